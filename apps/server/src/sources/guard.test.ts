import { X509Certificate } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DnsServer, startDnsServer } from '../test/dns.js';
import { type Origin, serveBytes, startOrigin } from '../test/origin.js';
import { selfSignedCertificate } from '../test/tls.js';
import { createHttpSource, type HttpSourceOptions } from './http.js';
import { refusal } from './netguard.js';

const payload = Buffer.from('image bytes');
const strict = { allowLoopback: false, allowLinkLocal: false, allowPrivate: false };

const make = (over: Partial<HttpSourceOptions> = {}) =>
  createHttpSource({
    userAgent: 'tintype-test',
    timeoutMs: 3000,
    maxRedirects: 10,
    ignoreSslVerification: false,
    keepAliveTimeoutMs: 1000,
    ...strict,
    ...over,
  });

/**
 * The network guard is proven with a real DNS server on 127.0.0.1 whose answers the test
 * decides, plugged in through the `resolve` option. Why not a fake lookup function: the point is
 * that the address checked is the address connected to, through undici's connector and Node's
 * socket, so every piece between the DNS answer and connect() is the production one.
 */
describe('network guard at connect time', () => {
  let origin: Origin;
  let dns: DnsServer;
  const answers = new Map<string, string[][]>();
  let port: string;

  beforeAll(async () => {
    origin = await startOrigin({ '/img': serveBytes(payload, 'image/png') });
    port = new URL(origin.url).port;
    origin.route('/to-metadata', (_req, res) =>
      res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end(),
    );
    origin.route('/to-private-name', (_req, res) =>
      res.writeHead(302, { location: `http://private.test:${port}/img` }).end(),
    );
    origin.route('/to-mapped-private', (_req, res) =>
      res.writeHead(302, { location: `http://[::ffff:10.0.0.5]:${port}/img` }).end(),
    );
    origin.route('/to-ula', (_req, res) =>
      res.writeHead(307, { location: `http://[fd12:3456::1]:${port}/img` }).end(),
    );
    origin.route('/to-img', (_req, res) => res.writeHead(301, { location: '/img' }).end());
    // Each name answers from its list in turn, repeating the last answer.
    dns = await startDnsServer((name) => {
      const list = answers.get(name) ?? [];
      return (list.length > 1 ? list.shift() : list[0]) ?? [];
    });
  });
  afterAll(async () => {
    await origin.close();
    await dns.close();
  });

  it('refuses a name that resolves to public first and to 127.0.0.1 when connecting (rebinding)', async () => {
    answers.set('rebind.test', [['203.0.113.10'], ['127.0.0.1']]);
    // A check made on the name beforehand sees a public address and would let it through...
    const atCheck = await dns.resolve('rebind.test');
    expect(atCheck).toEqual([{ address: '203.0.113.10', family: 4 }]);
    expect(refusal(atCheck[0]!.address, strict)).toBeUndefined();
    // ...but the connection resolves again, gets loopback, and is refused before any byte is sent.
    const before = origin.hits.get('/img') ?? 0;
    const src = make({ resolve: dns.resolve });
    await expect(src.fetch(`http://rebind.test:${port}/img`, { maxBytes: 0 })).rejects.toMatchObject({
      code: 'SOURCE_FORBIDDEN',
      status: 404,
    });
    expect(origin.hits.get('/img') ?? 0).toBe(before);
    expect(dns.queries.filter((q) => q === 'rebind.test')).toHaveLength(2);
    await src.close();
  });

  it('connects through the same resolver when the answer is allowed (the refusal above is the guard)', async () => {
    answers.set('loop.test', [['127.0.0.1']]);
    const src = make({ resolve: dns.resolve, allowLoopback: true });
    const img = await src.fetch(`http://loop.test:${port}/img`, { maxBytes: 0 });
    expect(img.data.equals(payload)).toBe(true);
    await src.close();
  });

  it('refuses a name when any of its addresses is refused', async () => {
    answers.set('mixed.test', [['203.0.113.10', '127.0.0.1']]);
    const src = make({ resolve: dns.resolve });
    await expect(src.fetch(`http://mixed.test:${port}/img`, { maxBytes: 0 })).rejects.toMatchObject({
      code: 'SOURCE_FORBIDDEN',
    });
    await src.close();
  });

  it.each([
    ['/to-metadata', 'link-local IPv4 literal'],
    ['/to-private-name', 'a name resolving to 10.0.0.5'],
    ['/to-mapped-private', 'IPv4-mapped private IPv6 literal'],
    ['/to-ula', 'IPv6 unique local address'],
  ])('checks every redirect: %s (%s) is refused', async (path) => {
    answers.set('private.test', [['10.0.0.5']]);
    // The first hop is the loopback origin, allowed; private and link-local are not.
    const src = make({ resolve: dns.resolve, allowLoopback: true });
    await expect(src.fetch(`${origin.url}${path}`, { maxBytes: 0 })).rejects.toMatchObject({
      code: 'SOURCE_FORBIDDEN',
      status: 404,
    });
    await src.close();
  });

  it('follows a redirect the policy allows', async () => {
    const src = make({ allowLoopback: true });
    expect((await src.fetch(`${origin.url}/to-img`, { maxBytes: 0 })).data.equals(payload)).toBe(true);
    await src.close();
  });

  it.each([
    'http://2130706433:PORT/img',
    'http://0x7f.1:PORT/img',
    'http://0177.0.0.1:PORT/img',
    'http://127.1:PORT/img',
    'http://[::ffff:7f00:1]:PORT/img',
    'http://[::127.0.0.1]:PORT/img',
    'http://0.0.0.0:PORT/img',
    'http://[::]:PORT/img',
    'http://localhost:PORT/img',
  ])('refuses loopback written as %s', async (url) => {
    const src = make();
    const before = origin.hits.get('/img') ?? 0;
    await expect(src.fetch(url.replace('PORT', port), { maxBytes: 0 })).rejects.toMatchObject({
      code: 'SOURCE_FORBIDDEN',
    });
    expect(origin.hits.get('/img') ?? 0).toBe(before);
    await src.close();
  });
});

describe('IMGPROXY_IGNORE_SSL_VERIFICATION', () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    const { key, cert } = selfSignedCertificate();
    expect(new X509Certificate(cert).subjectAltName).toBe('IP Address:127.0.0.1');
    server = createServer({ key, cert }, (_req, res) => {
      res.writeHead(200, { 'content-type': 'image/png' }).end(payload);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/img`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('refuses a self-signed certificate by default', async () => {
    const src = make({ allowLoopback: true });
    await expect(src.fetch(url, { maxBytes: 0 })).rejects.toMatchObject({
      code: 'SOURCE_UNREACHABLE',
      cause: expect.objectContaining({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }),
    });
    await src.close();
  });

  it('accepts it when verification is off', async () => {
    const src = make({ allowLoopback: true, ignoreSslVerification: true });
    expect((await src.fetch(url, { maxBytes: 0 })).data.equals(payload)).toBe(true);
    await src.close();
  });
});
