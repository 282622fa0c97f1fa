import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Origin, startOrigin } from './test/origin.js';
import { startTestServer } from './test/server.js';

describe('fallback image', () => {
  let origin: Origin;
  let fallback: Buffer;
  beforeAll(async () => {
    fallback = await sharp({ create: { width: 400, height: 200, channels: 3, background: '#ff00ff' } })
      .png()
      .toBuffer();
    origin = await startOrigin({ '/broken.jpg': (_req, res) => res.writeHead(500).end() });
  });
  afterAll(() => origin.close());

  const base = () => ({
    IMGPROXY_ALLOW_LOOPBACK_SOURCE_ADDRESSES: 'true',
    IMGPROXY_FALLBACK_IMAGE_DATA: fallback.toString('base64'),
    IMGPROXY_TTL: '3600',
  });

  it('is processed with the request options and answered 200 with its own TTL', async () => {
    const server = await startTestServer({ ...base(), IMGPROXY_FALLBACK_IMAGE_TTL: '60' });
    try {
      const res = await server.get(`/unsafe/rs:fit:100:100/plain/${origin.url}/missing.jpg@png`);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('max-age=60, public');
      const { data, info } = await sharp(Buffer.from(await res.arrayBuffer()))
        .raw()
        .toBuffer({ resolveWithObject: true });
      expect([info.width, info.height]).toEqual([100, 50]);
      expect([data[0], data[1], data[2]]).toEqual([255, 0, 255]);
    } finally {
      await server.stop();
    }
  });

  it('keeps the error status with IMGPROXY_FALLBACK_IMAGE_HTTP_CODE=0, uses IMGPROXY_TTL without its own', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tintype-fallback-'));
    writeFileSync(join(dir, 'fallback.png'), fallback);
    const server = await startTestServer({
      IMGPROXY_ALLOW_LOOPBACK_SOURCE_ADDRESSES: 'true',
      IMGPROXY_FALLBACK_IMAGE_PATH: join(dir, 'fallback.png'),
      IMGPROXY_FALLBACK_IMAGE_HTTP_CODE: '0',
      IMGPROXY_TTL: '3600',
    });
    try {
      const missing = await server.get(`/unsafe/w:50/plain/${origin.url}/missing.jpg`);
      expect(missing.status).toBe(404);
      expect(missing.headers.get('content-type')).toBe('image/png');
      expect(missing.headers.get('cache-control')).toBe('max-age=3600, public');
      expect((await sharp(Buffer.from(await missing.arrayBuffer())).metadata()).width).toBe(50);
      expect((await server.get(`/unsafe/w:50/plain/${origin.url}/broken.jpg`)).status).toBe(502);
    } finally {
      await server.stop();
    }
  });

  it('is never kept in the internal cache', async () => {
    const server = await startTestServer({
      ...base(),
      IMGPROXY_CACHE_USE: 'fs',
      IMGPROXY_CACHE_FS_ROOT: mkdtempSync(join(tmpdir(), 'tintype-fallback-cache-')),
      IMGPROXY_ENABLE_DEBUG_HEADERS: 'true',
    });
    try {
      const path = `/unsafe/w:40/plain/${origin.url}/later.jpg`;
      expect((await server.get(path)).headers.get('x-cache')).toBe('MISS');
      await server.running.flush();
      const photo = await sharp({ create: { width: 80, height: 80, channels: 3, background: '#00ff00' } })
        .jpeg()
        .toBuffer();
      origin.route('/later.jpg', (_req, res) =>
        res.writeHead(200, { 'content-type': 'image/jpeg' }).end(photo),
      );
      const res = await server.get(path);
      expect(res.headers.get('x-cache')).toBe('MISS');
      const { data } = await sharp(Buffer.from(await res.arrayBuffer()))
        .raw()
        .toBuffer({ resolveWithObject: true });
      expect(data[1]).toBeGreaterThan(200);
      expect(data[0]).toBeLessThan(50);
    } finally {
      await server.stop();
    }
  });

  it('without one, a dead source is still an error', async () => {
    const server = await startTestServer({ IMGPROXY_ALLOW_LOOPBACK_SOURCE_ADDRESSES: 'true' });
    try {
      expect((await server.get(`/unsafe/w:50/plain/${origin.url}/missing.jpg`)).status).toBe(404);
    } finally {
      await server.stop();
    }
  });
});
