import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Origin, serveBytes, startOrigin } from '../test/origin.js';
import { createHttpSource } from './http.js';
import { createLocalSource } from './local.js';

const payload = Buffer.from('pretend these are image bytes');

describe('http source', () => {
  let origin: Origin;
  beforeAll(async () => {
    origin = await startOrigin({
      '/img': serveBytes(payload, 'image/png', { etag: '"abc"', 'cache-control': 'max-age=60' }),
      '/gone': (_req, res) => res.writeHead(404).end(),
      '/teapot': (_req, res) => res.writeHead(418).end(),
      '/broken': (_req, res) => res.writeHead(503).end(),
      '/hop1': (_req, res) => res.writeHead(302, { location: '/hop2' }).end(),
      '/hop2': (_req, res) => res.writeHead(302, { location: '/img' }).end(),
      '/loop': (_req, res) => res.writeHead(302, { location: '/loop' }).end(),
      '/big': serveBytes(Buffer.alloc(10_000)),
      '/liar': (_req, res) => {
        // No Content-Length: the size limit must hold while streaming.
        res.writeHead(200, { 'content-type': 'image/jpeg' });
        res.write(Buffer.alloc(6000));
        res.end(Buffer.alloc(6000));
      },
      '/slow-body': (_req, res) => {
        res.writeHead(200, { 'content-type': 'image/jpeg' });
        res.write(Buffer.alloc(100));
        const t = setInterval(() => res.write(Buffer.alloc(10)), 200);
        res.on('close', () => clearInterval(t));
      },
    });
  });
  afterAll(() => origin.close());

  const make = (over: Partial<Parameters<typeof createHttpSource>[0]> = {}) =>
    createHttpSource({
      userAgent: 'tintype-test',
      timeoutMs: 1500,
      maxRedirects: 10,
      ignoreSslVerification: false,
      keepAliveTimeoutMs: 1000,
      allowLoopback: true,
      allowLinkLocal: false,
      allowPrivate: true,
      ...over,
    });

  it('downloads bytes and the headers a response may pass on', async () => {
    const src = make();
    const img = await src.fetch(`${origin.url}/img`, { maxBytes: 0 });
    expect(img.data.equals(payload)).toBe(true);
    expect(img.contentType).toBe('image/png');
    expect(img.etag).toBe('"abc"');
    expect(img.cacheControl).toBe('max-age=60');
    expect(origin.requests.at(-1)?.headers['user-agent']).toBe('tintype-test');
    await src.close();
  });

  it('maps origin statuses as imgproxy does', async () => {
    const src = make();
    await expect(src.fetch(`${origin.url}/gone`, { maxBytes: 0 })).rejects.toMatchObject({ status: 404 });
    await expect(src.fetch(`${origin.url}/teapot`, { maxBytes: 0 })).rejects.toMatchObject({ status: 418 });
    await expect(src.fetch(`${origin.url}/broken`, { maxBytes: 0 })).rejects.toMatchObject({ status: 502 });
    await src.close();
  });

  it('follows redirects up to the limit', async () => {
    const src = make({ maxRedirects: 2 });
    expect((await src.fetch(`${origin.url}/hop1`, { maxBytes: 0 })).data.equals(payload)).toBe(true);
    await expect(src.fetch(`${origin.url}/loop`, { maxBytes: 0 })).rejects.toMatchObject({ status: 404 });
    await src.close();
    const none = make({ maxRedirects: 0 });
    await expect(none.fetch(`${origin.url}/hop1`, { maxBytes: 0 })).rejects.toMatchObject({ status: 404 });
    await none.close();
  });

  it('enforces the size limit from Content-Length and while streaming', async () => {
    const src = make();
    await expect(src.fetch(`${origin.url}/big`, { maxBytes: 5000 })).rejects.toMatchObject({ status: 422 });
    await expect(src.fetch(`${origin.url}/liar`, { maxBytes: 5000 })).rejects.toMatchObject({
      code: 'SOURCE_TOO_BIG',
    });
    expect((await src.fetch(`${origin.url}/big`, { maxBytes: 10_000 })).data.length).toBe(10_000);
    await src.close();
  });

  it('times out on a body that never ends (504)', async () => {
    const src = make({ timeoutMs: 600 });
    await expect(src.fetch(`${origin.url}/slow-body`, { maxBytes: 0 })).rejects.toMatchObject({
      status: 504,
    });
    await src.close();
  });

  it('answers 404 for an unreachable source', async () => {
    const src = make();
    await expect(src.fetch('http://127.0.0.1:1/x.jpg', { maxBytes: 0 })).rejects.toMatchObject({
      status: 404,
      code: 'SOURCE_UNREACHABLE',
    });
    await src.close();
  });

  it('refuses loopback addresses at connect time unless allowed', async () => {
    const src = make({ allowLoopback: false });
    await expect(src.fetch(`${origin.url}/img`, { maxBytes: 0 })).rejects.toMatchObject({
      code: 'SOURCE_FORBIDDEN',
    });
    const port = new URL(origin.url).port;
    await expect(src.fetch(`http://localhost:${port}/img`, { maxBytes: 0 })).rejects.toMatchObject({
      code: 'SOURCE_FORBIDDEN',
    });
    await expect(src.fetch(`http://[::ffff:127.0.0.1]:${port}/img`, { maxBytes: 0 })).rejects.toMatchObject({
      code: 'SOURCE_FORBIDDEN',
    });
    await src.close();
  });
});

describe('local source', () => {
  const root = mkdtempSync(join(tmpdir(), 'tintype-local-'));
  const outside = mkdtempSync(join(tmpdir(), 'tintype-outside-'));
  mkdirSync(join(root, 'dir'));
  writeFileSync(join(root, 'dir', 'a b.png'), 'inside');
  writeFileSync(join(outside, 'secret.txt'), 'secret');
  symlinkSync(join(outside, 'secret.txt'), join(root, 'link.txt'));
  symlinkSync(outside, join(root, 'linkdir'));
  const src = createLocalSource(root);

  it('reads files under the root, percent-decoded', async () => {
    const img = await src.fetch('local:///dir/a%20b.png', { maxBytes: 0 });
    expect(img.data.toString()).toBe('inside');
    expect(img.lastModified).toMatch(/GMT$/);
  });

  it('answers 404 for a missing file or a directory', async () => {
    await expect(src.fetch('local:///nope.png', { maxBytes: 0 })).rejects.toMatchObject({ status: 404 });
    await expect(src.fetch('local:///dir', { maxBytes: 0 })).rejects.toMatchObject({ status: 404 });
  });

  it.each([
    'local:///../tintype-outside/secret.txt',
    'local:///dir/../../etc/passwd',
    'local:///%2e%2e/%2e%2e/etc/passwd',
    'local:///dir/%2E%2E/%2E%2E/etc/passwd',
    'local:///link.txt',
    'local:///linkdir/secret.txt',
  ])('never escapes the root: %s', async (url) => {
    const result = await src.fetch(url, { maxBytes: 0 }).then(
      (r) => r.data.toString(),
      (e: { status: number }) => e.status,
    );
    expect(result).not.toBe('secret');
    expect([403, 404]).toContain(result);
  });

  it.each([
    'local:///dir/..%2Fdir/a%20b.png',
    'local:///dir/..%5cdir/a%20b.png',
    'local:///..%2f..%2fetc/passwd',
  ])('refuses a percent-encoded `..` segment even inside the root: %s', async (url) => {
    await expect(src.fetch(url, { maxBytes: 0 })).rejects.toMatchObject({ code: 'SOURCE_FORBIDDEN' });
  });

  it('enforces the size limit', async () => {
    await expect(src.fetch('local:///dir/a%20b.png', { maxBytes: 3 })).rejects.toMatchObject({ status: 422 });
  });
});
