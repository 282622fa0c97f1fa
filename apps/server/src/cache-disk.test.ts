import { randomBytes } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CACHE_BACKENDS } from './test/backends.js';
import { counter, until } from './test/metrics.js';
import { type Origin, serveBytes, startOrigin } from './test/origin.js';
import { startTestServer } from './test/server.js';

/** IMGPROXY_CACHE_FS_MAX_SIZE over HTTP: the fs cache stays within its bound while serving. */
let origin: Origin;
beforeAll(async () => {
  // Noise does not compress: each PNG variant weighs a few hundred kilobytes.
  const noise = await sharp(randomBytes(500 * 500 * 3), { raw: { width: 500, height: 500, channels: 3 } })
    .png()
    .toBuffer();
  origin = await startOrigin({ '/noise.png': serveBytes(noise, 'image/png') });
});
afterAll(() => origin.close());

/** Bytes of the files below `dir`; files the background sweep removes meanwhile count for nothing. */
async function bytesUnder(dir: string): Promise<number> {
  let total = 0;
  const listing = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => undefined);
  if (!listing) return Number.POSITIVE_INFINITY; // a directory vanished mid-walk: look again
  for (const d of listing)
    if (d.isFile()) total += (await stat(join(d.parentPath, d.name)).catch(() => ({ size: 0 }))).size;
  return total;
}

describe('bounded fs cache', () => {
  it('evicts least recently used variants in the background and keeps serving', async () => {
    const vars = await CACHE_BACKENDS[0]!.env({
      IMGPROXY_CACHE_FS_MAX_SIZE: '1',
      IMGPROXY_CACHE_MEMORY_SIZE: '0',
    });
    const root = vars.IMGPROXY_CACHE_FS_ROOT!;
    const server = await startTestServer({
      ...vars,
      IMGPROXY_ALLOW_LOOPBACK_SOURCE_ADDRESSES: 'true',
      IMGPROXY_ENABLE_DEBUG_HEADERS: 'true',
      IMGPROXY_PROMETHEUS_BIND: 'localhost:0',
    });
    try {
      const url = (w: number) => `/unsafe/w:${w}/plain/${origin.url}/noise.png`;
      const widths = [400, 410, 420, 430, 440, 450, 460, 470];
      for (const w of widths) {
        const res = await server.get(url(w));
        expect(res.status).toBe(200);
        expect(res.headers.get('x-cache')).toBe('MISS');
        await res.arrayBuffer();
        await server.running.flush();
      }
      await until(async () => (await bytesUnder(root)) <= 1024 * 1024);
      expect(await counter(server, 'cache_evictions_total', { backend: 'fs' })).toBeGreaterThan(0);
      // The first written went first; the last is still there.
      expect((await server.get(url(widths[0]!))).headers.get('x-cache')).toBe('MISS');
      expect((await server.get(url(widths.at(-1)!))).headers.get('x-cache')).toBe('HIT');
    } finally {
      await server.stop();
    }
  });
});
