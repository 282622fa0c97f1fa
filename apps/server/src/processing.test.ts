import { createHmac } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Origin, serveBytes, startOrigin } from './test/origin.js';
import { startTestServer, type TestServer } from './test/server.js';

/** A 400x300 JPEG with four coloured quadrants, and a transparent PNG. */
async function makeImages() {
  const quadrant = (r: number, g: number, b: number) =>
    sharp({ create: { width: 200, height: 150, channels: 3, background: { r, g, b } } })
      .png()
      .toBuffer();
  const [tl, tr, bl, br] = await Promise.all([
    quadrant(255, 0, 0),
    quadrant(0, 255, 0),
    quadrant(0, 0, 255),
    quadrant(255, 255, 0),
  ]);
  const jpeg = await sharp({ create: { width: 400, height: 300, channels: 3, background: '#000' } })
    .composite([
      { input: tl, left: 0, top: 0 },
      { input: tr, left: 200, top: 0 },
      { input: bl, left: 0, top: 150 },
      { input: br, left: 200, top: 150 },
    ])
    .jpeg({ quality: 90 })
    .toBuffer();
  const png = await sharp({
    create: { width: 100, height: 100, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } },
  })
    .png()
    .toBuffer();
  return { jpeg, png };
}

const b64 = (s: string) => Buffer.from(s).toString('base64url');

describe('processing over HTTP', () => {
  let origin: Origin;
  let server: TestServer;
  let images: Awaited<ReturnType<typeof makeImages>>;

  beforeAll(async () => {
    images = await makeImages();
    origin = await startOrigin({
      '/photo.jpg': serveBytes(images.jpeg, 'image/jpeg', {
        'last-modified': 'Wed, 01 Jan 2025 00:00:00 GMT',
      }),
      '/alpha.png': serveBytes(images.png, 'image/png'),
      '/text.txt': serveBytes(Buffer.from('hello, I am not an image'), 'text/plain'),
      '/broken': (_req, res) => res.writeHead(500).end(),
      '/slow': (_req, res) => {
        setTimeout(() => serveBytes(images.jpeg)(_req, res), 3000);
      },
    });
    server = await startTestServer({
      IMGPROXY_ALLOW_LOOPBACK_SOURCE_ADDRESSES: 'true',
      IMGPROXY_DOWNLOAD_TIMEOUT: '1',
      IMGPROXY_TTL: '3600',
      IMGPROXY_LOCAL_FILESYSTEM_ROOT: join(import.meta.dirname, '../../../samples'),
    });
  });
  afterAll(async () => {
    await server.stop();
    await origin.close();
  });

  it('resizes a source to fit, with imgproxy headers', async () => {
    const res = await server.get(`/unsafe/rs:fit:200:200/plain/${origin.url}/photo.jpg`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/jpeg');
    expect(res.headers.get('cache-control')).toBe('max-age=3600, public');
    expect(res.headers.get('content-disposition')).toBe('inline; filename="photo.jpg"');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(res.headers.get('x-request-id')).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(res.headers.get('etag')).toMatch(/^".+"$/);
    expect(res.headers.get('last-modified')).toBe('Wed, 01 Jan 2025 00:00:00 GMT');
    const body = Buffer.from(await res.arrayBuffer());
    expect(Number(res.headers.get('content-length'))).toBe(body.length);
    const meta = await sharp(body).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 200, 150]);
  });

  it('takes the output format from the extension, and base64 sources', async () => {
    for (const [ext, format] of [
      ['webp', 'webp'],
      ['png', 'png'],
      ['avif', 'heif'],
    ] as const) {
      const res = await server.get(`/unsafe/w:100/${b64(`${origin.url}/photo.jpg`)}.${ext}`);
      expect(res.status).toBe(200);
      const meta = await sharp(Buffer.from(await res.arrayBuffer())).metadata();
      expect(meta.format).toBe(format);
      expect(meta.width).toBe(100);
      expect(res.headers.get('content-disposition')).toBe(`inline; filename="photo.${ext}"`);
    }
  });

  it('crops with fill and gravity, keeping the chosen corner', async () => {
    const res = await server.get(`/unsafe/rs:fill:100:100/g:nowe/plain/${origin.url}/photo.jpg@png`);
    const { data, info } = await sharp(Buffer.from(await res.arrayBuffer()))
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([100, 100]);
    expect(data[0]).toBeGreaterThan(240);
    expect(data[1]! + data[2]!).toBeLessThan(20);
  });

  it('lowers the size with quality', async () => {
    const hi = await server.get(`/unsafe/q:95/plain/${origin.url}/photo.jpg`);
    const lo = await server.get(`/unsafe/q:10/plain/${origin.url}/photo.jpg`);
    expect(Number(lo.headers.get('content-length'))).toBeLessThan(Number(hi.headers.get('content-length')));
  });

  it('flattens transparency onto the background for JPEG', async () => {
    const res = await server.get(`/unsafe/bg:00ff00/plain/${origin.url}/alpha.png@jpg`);
    const { data } = await sharp(Buffer.from(await res.arrayBuffer()))
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect(data[1]).toBeGreaterThan(240);
    expect(data[0]).toBeLessThan(15);
  });

  it('serves local:// sources from the samples', async () => {
    const res = await server.get('/unsafe/rs:fit:300:200/plain/local:///ladybird.jpg@webp');
    expect(res.status).toBe(200);
    const meta = await sharp(Buffer.from(await res.arrayBuffer())).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['webp', 300, 188]);
  });

  it('sets Content-Disposition from filename and return_attachment', async () => {
    const res = await server.get(`/unsafe/fn:holiday/att:1/plain/${origin.url}/photo.jpg@png`);
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="holiday.png"');
  });

  it('answers 304 to a matching If-None-Match', async () => {
    const path = `/unsafe/w:50/plain/${origin.url}/photo.jpg`;
    const first = await server.get(path);
    const etag = first.headers.get('etag')!;
    const again = await server.get(path, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
  });

  it.each([
    ['/unsafe/w:100/plain/ORIGIN/missing.jpg', 404],
    ['/unsafe/w:100/plain/ORIGIN/broken', 502],
    ['/unsafe/w:100/plain/http://127.0.0.1:1/x.jpg', 404],
    ['/unsafe/w:100/plain/ORIGIN/slow', 504],
    ['/unsafe/w:100/plain/ORIGIN/text.txt', 422],
    ['/unsafe/bogus:1/plain/ORIGIN/photo.jpg', 404],
    ['/unsafe/w:abc/plain/ORIGIN/photo.jpg', 404],
    ['/unsafe/w:100/plain/ftp://example.com/x.jpg', 404],
    ['/unsafe/w:100/!!!notbase64', 404],
  ])('%s answers %i with a short plain-text message and no Cache-Control', async (path, status) => {
    const res = await server.get(path.replace('ORIGIN', origin.url));
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(res.headers.get('cache-control')).toBeNull();
    const text = await res.text();
    expect(text.length).toBeGreaterThan(0);
    expect(text).not.toMatch(/at .*\.(js|ts):\d+/);
  });

  it('answers health, favicon, HEAD and OPTIONS as imgproxy does', async () => {
    const health = await server.get('/health');
    expect(health.status).toBe(200);
    expect(health.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await health.text()).toBe('imgproxy is running');
    expect((await server.get('/favicon.ico')).status).toBe(404);
    expect((await server.get('/unsafe/w:1/plain/x', { method: 'HEAD' })).status).toBe(200);
    expect((await server.get('/anything', { method: 'OPTIONS' })).status).toBe(200);
    expect((await server.get('/', {})).status).toBe(200);
  });

  it('keeps a valid X-Request-ID and replaces a bad one', async () => {
    const good = await server.get('/health', { headers: { 'x-request-id': 'abc_123-XYZ' } });
    expect(good.headers.get('x-request-id')).toBe('abc_123-XYZ');
    const bad = await server.get('/health', { headers: { 'x-request-id': 'no spaces!' } });
    expect(bad.headers.get('x-request-id')).not.toBe('no spaces!');
  });
});

describe('signed URLs', () => {
  let origin: Origin;
  let server: TestServer;
  const key = Buffer.from('secret');
  const salt = Buffer.from('hello');
  const sign = (path: string) => createHmac('sha256', key).update(salt).update(path).digest('base64url');

  beforeAll(async () => {
    const { jpeg } = await makeImages();
    origin = await startOrigin({ '/photo.jpg': serveBytes(jpeg) });
    server = await startTestServer({
      IMGPROXY_ALLOW_LOOPBACK_SOURCE_ADDRESSES: 'true',
      IMGPROXY_KEY: key.toString('hex'),
      IMGPROXY_SALT: salt.toString('hex'),
    });
  });
  afterAll(async () => {
    await server.stop();
    await origin.close();
  });

  it('accepts a correct signature and refuses others with 403', async () => {
    const path = `/rs:fit:50:50/plain/${origin.url}/photo.jpg`;
    expect((await server.get(`/${sign(path)}${path}`)).status).toBe(200);
    expect((await server.get(`/${sign(`${path}x`)}${path}`)).status).toBe(403);
    expect((await server.get(`/unsafe${path}`)).status).toBe(403);
  });
});

describe('IMGPROXY_SECRET', () => {
  it('requires the bearer secret', async () => {
    const server = await startTestServer({
      IMGPROXY_SECRET: 's3cret',
      IMGPROXY_LOCAL_FILESYSTEM_ROOT: mkdtempSync(join(tmpdir(), 't-')),
    });
    try {
      expect((await server.get('/unsafe/w:1/plain/local:///x.png')).status).toBe(403);
      const ok = await server.get('/unsafe/w:1/plain/local:///x.png', {
        headers: { authorization: 'Bearer s3cret' },
      });
      expect(ok.status).toBe(404);
      expect((await server.get('/health')).status).toBe(200);
    } finally {
      await server.stop();
    }
  });
});
