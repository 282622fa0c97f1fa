import { createHmac } from 'node:crypto';
import { decode as decodeBlurhash } from 'blurhash';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CACHE_BACKENDS } from './test/backends.js';
import { counter } from './test/metrics.js';
import { type Origin, serveBytes, startOrigin } from './test/origin.js';
import { startTestServer, type TestServer } from './test/server.js';

/** Purge (HTTP) and cached /info, over HTTP against fs and every remote backend whose server runs. */
let origin: Origin;
let photo: Buffer;
let n = 0;
const fresh = (name: string) => `/${name}-${++n}.jpg`;
const hits = (path: string) => origin.hits.get(path) ?? 0;
const SECRET = 'purge-me-please';
const auth = { authorization: `Bearer ${SECRET}` };

beforeAll(async () => {
  // Left half red, right half blue, with EXIF text tags.
  const half = (colour: string) =>
    sharp({ create: { width: 100, height: 100, channels: 3, background: colour } })
      .png()
      .toBuffer();
  photo = await sharp({ create: { width: 200, height: 100, channels: 3, background: '#000' } })
    .composite([
      { input: await half('#ff0000'), left: 0, top: 0 },
      { input: await half('#0000ff'), left: 100, top: 0 },
    ])
    .withExif({ IFD0: { Make: 'Tintype Camera', Model: 'T-1' } })
    .jpeg({ quality: 95 })
    .toBuffer();
  origin = await startOrigin();
});
afterAll(() => origin.close());

const base = {
  IMGPROXY_ALLOW_LOOPBACK_SOURCE_ADDRESSES: 'true',
  IMGPROXY_ENABLE_DEBUG_HEADERS: 'true',
  IMGPROXY_PROMETHEUS_BIND: 'localhost:0',
  IMGPROXY_PURGE_SECRET: SECRET,
  IMGPROXY_AUTO_WEBP: 'true',
};

describe.each(CACHE_BACKENDS)('$kind: purge and /info', (b) => {
  let server: TestServer;
  beforeAll(async () => {
    if (b.ready) server = await startTestServer({ ...base, ...(await b.env()) });
  });
  afterAll(() => server?.stop());
  const xcache = async (path: string, headers: Record<string, string> = {}) => {
    const res = await server.get(path, { headers });
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    return res.headers.get('x-cache');
  };
  const purge = (query: string, init: RequestInit = {}) =>
    server.get(`/_tintype/purge${query}`, { method: 'POST', ...init, headers: { ...auth, ...init.headers } });

  it.skipIf(!b.ready)('purges every variant of a source, memory tier included', async () => {
    const path = fresh('purge-source');
    origin.route(path, serveBytes(photo));
    const src = `${origin.url}${path}`;
    const urls = [`/unsafe/w:50/plain/${src}`, `/unsafe/w:60/plain/${src}@png`, `/info/unsafe/plain/${src}`];
    for (const u of urls) expect(await xcache(u)).toBe('MISS');
    await server.running.flush();
    for (const u of urls) expect(await xcache(u)).toBe('HIT');
    // Another source's entries stay.
    const other = fresh('purge-other');
    origin.route(other, serveBytes(photo));
    expect(await xcache(`/unsafe/w:50/plain/${origin.url}${other}`)).toBe('MISS');

    const before = hits(path);
    const res = await purge(`?source=${encodeURIComponent(src)}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ deleted: 3 });
    for (const u of urls) expect(await xcache(u)).toBe('MISS');
    // The kept download went too: the source was fetched afresh.
    expect(hits(path)).toBe(before + 1);
    expect(await xcache(`/unsafe/w:50/plain/${origin.url}${other}`)).toBe('HIT');
    expect(await counter(server, 'cache_purges_total', { backend: b.kind })).toBeGreaterThan(0);
  });

  it.skipIf(!b.ready)('purges one variant by its processing URL, every negotiated format of it', async () => {
    const path = fresh('purge-url');
    origin.route(path, serveBytes(photo));
    const one = `/unsafe/w:70/plain/${origin.url}${path}`;
    const two = `/unsafe/w:71/plain/${origin.url}${path}`;
    for (const [u, accept] of [
      [one, ''],
      [one, 'image/webp'],
      [two, ''],
    ] as const)
      expect(await xcache(u, { accept })).toBe('MISS');
    await server.running.flush();
    const res = await purge('', {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url: `http://images.example.com${one}` }),
    });
    expect(await res.json()).toEqual({ deleted: 2 });
    expect(await xcache(one)).toBe('MISS');
    expect(await xcache(one, { accept: 'image/webp' })).toBe('MISS');
    expect(await xcache(two)).toBe('HIT');
  });

  it.skipIf(!b.ready)('answers /info as JSON, and from the cache on repeat', async () => {
    const path = fresh('info');
    origin.route(path, serveBytes(photo));
    const url = `/info/unsafe/bh:4:3/avg:1/dco:1/plain/${origin.url}${path}`;
    const first = await server.get(url);
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toBe('application/json');
    expect(first.headers.get('x-cache')).toBe('MISS');
    const info = await first.json();
    expect(info).toMatchObject({
      size: photo.length,
      format: 'jpeg',
      width: 200,
      height: 100,
      orientation: 1,
      has_alpha: false,
      pages: 1,
      color_space: 'srgb',
      exif: { Make: 'Tintype Camera', Model: 'T-1' },
    });
    // Half red, half blue: the average is purple; the blurhash decodes red on the left, blue on the right.
    expect(info.average.R).toBeGreaterThan(100);
    expect(info.average.B).toBeGreaterThan(100);
    expect(info.average.G).toBeLessThan(30);
    const pixels = decodeBlurhash(info.blurhash, 8, 4);
    const at = (x: number, y: number) => [...pixels.subarray((y * 8 + x) * 4, (y * 8 + x) * 4 + 3)];
    expect(at(0, 2)[0]).toBeGreaterThan(at(0, 2)[2]!);
    expect(at(7, 2)[2]).toBeGreaterThan(at(7, 2)[0]!);
    expect([info.dominant_color.R > 200, info.dominant_color.B > 200]).toContain(true);

    await server.running.flush();
    const again = await server.get(url);
    expect(again.headers.get('x-cache')).toBe('HIT');
    expect(await again.json()).toEqual(info);
    expect(hits(path)).toBe(1);
    const conditional = await server.get(url, { headers: { 'if-none-match': again.headers.get('etag')! } });
    expect(conditional.status).toBe(304);
  });
});

describe('purge endpoint access', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ ...base, ...(await CACHE_BACKENDS[0]!.env()) });
  });
  afterAll(() => server.stop());
  const post = (headers: Record<string, string>, query = '?source=http://x/y.jpg') =>
    server.get(`/_tintype/purge${query}`, { method: 'POST', headers });

  it('refuses a missing or wrong secret, and the URL signing key', async () => {
    expect((await post({})).status).toBe(403);
    expect((await post({ authorization: `Bearer ${SECRET}x` })).status).toBe(403);
    expect((await post({ authorization: 'Bearer' })).status).toBe(403);
    expect((await post(auth)).status).toBe(200);
    expect(
      (await server.get('/_tintype/purge?source=http://x/y.jpg', { method: 'DELETE', headers: auth })).status,
    ).toBe(200);
  });

  it('asks for something to purge', async () => {
    expect((await post(auth, '')).status).toBe(400);
    expect((await post(auth, '?url=/unsafe/w:notanumber/plain/http://x/y.jpg')).status).toBe(400);
  });

  it('does not exist without IMGPROXY_PURGE_SECRET', async () => {
    const off = await startTestServer({ ...(await CACHE_BACKENDS[0]!.env()) });
    try {
      expect((await off.get('/_tintype/purge?source=http://x/y.jpg', { method: 'POST' })).status).toBe(404);
    } finally {
      await off.stop();
    }
  });
});

describe('/info URLs', () => {
  let server: TestServer;
  const key = 'info-key';
  const salt = 'info-salt';
  const sign = (path: string) =>
    `/info/${createHmac('sha256', key).update(salt).update(path).digest('base64url')}${path}`;
  beforeAll(async () => {
    server = await startTestServer({
      ...base,
      IMGPROXY_KEY: Buffer.from(key).toString('hex'),
      IMGPROXY_SALT: Buffer.from(salt).toString('hex'),
    });
    origin.route('/info-photo.jpg', serveBytes(photo));
  });
  afterAll(() => server.stop());

  it('are signed like processing URLs', async () => {
    const path = `/s:0/exif:0/plain/${origin.url}/info-photo.jpg`;
    expect((await server.get(`/info/unsafe${path}`)).status).toBe(403);
    const res = await server.get(sign(path));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      format: 'jpeg',
      width: 200,
      height: 100,
      orientation: 1,
      has_alpha: false,
      pages: 1,
      color_space: 'srgb',
    });
  });

  it('refuse unknown options and bad arguments with 404', async () => {
    expect((await server.get(sign(`/w:10/plain/${origin.url}/info-photo.jpg`))).status).toBe(404);
    expect((await server.get(sign(`/bh:12:3/plain/${origin.url}/info-photo.jpg`))).status).toBe(404);
    expect((await server.get(sign(`/exp:1/plain/${origin.url}/info-photo.jpg`))).status).toBe(404);
  });
});
