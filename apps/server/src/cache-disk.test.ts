import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readdir, stat } from 'node:fs/promises';
import { connect } from 'node:net';
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
  const noise = (side: number) =>
    sharp(randomBytes(side * side * 3), { raw: { width: side, height: side, channels: 3 } })
      .png()
      .toBuffer();
  origin = await startOrigin({
    '/noise.png': serveBytes(await noise(500), 'image/png'),
    '/noise-big.png': serveBytes(await noise(800), 'image/png'),
  });
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

describe('fs cache hits on lent buffers', () => {
  // An fs hit reads its entry into a pooled buffer that goes back when the response is sent. A
  // client that pipelines requests and does not read holds responses unsent once the kernel's
  // socket buffers are full (about 4 MB on loopback): their bytes must stay whole while other hits
  // of the same size class borrow and fill buffers.
  it('keeps the bytes of unsent responses whole while other hits reuse buffers', async () => {
    const server = await startTestServer({
      ...(await CACHE_BACKENDS[0]!.env({ IMGPROXY_CACHE_MEMORY_SIZE: '0' })),
      IMGPROXY_ALLOW_LOOPBACK_SOURCE_ADDRESSES: 'true',
      IMGPROXY_ENABLE_DEBUG_HEADERS: 'true',
    });
    try {
      // 480-496: 512 KB to 1 MB each, one size class of the pool. big:700-730: over 1 MB, read
      // without the pool; four of them fill the slow client's socket.
      const url = (w: number) =>
        w > 600
          ? `/unsafe/w:${w}/plain/${origin.url}/noise-big.png`
          : `/unsafe/w:${w}/plain/${origin.url}/noise.png`;
      const widths = [480, 484, 488, 492, 496, 700, 710, 720, 730];
      const expected = new Map<number, Buffer>();
      for (const w of widths) {
        const res = await server.get(url(w));
        expect(res.headers.get('x-cache')).toBe('MISS');
        expected.set(w, Buffer.from(await res.arrayBuffer()));
      }
      await server.running.flush();
      for (const w of widths.slice(0, 5)) expect(expected.get(w)!.length).toBeGreaterThan(512 * 1024);
      for (const w of widths.slice(5)) expect(expected.get(w)!.length).toBeGreaterThan(1024 * 1024);

      // The slow client's pooled responses wait behind the big ones; the other clients ask for
      // other variants, so a buffer lent twice at once would show their bytes.
      const pipelined = [700, 710, 720, 730, 480, 484, 480, 484];
      const others = [488, 492, 496];
      const { hostname, port } = new URL(server.url);
      const slow = connect(Number(port), hostname);
      await once(slow, 'connect');
      slow.pause();
      slow.write(pipelined.map((w) => `GET ${url(w)} HTTP/1.1\r\nHost: ${hostname}\r\n\r\n`).join(''));
      await new Promise((r) => setTimeout(r, 300));

      for (let round = 0; round < 5; round++) {
        await Promise.all(
          others.map(async (w) => {
            const res = await server.get(url(w));
            expect(res.headers.get('x-cache')).toBe('HIT');
            expect(Buffer.from(await res.arrayBuffer()).equals(expected.get(w)!)).toBe(true);
          }),
        );
      }

      const chunks: Buffer[] = [];
      slow.on('data', (c: Buffer) => chunks.push(c));
      slow.resume();
      let raw = Buffer.alloc(0);
      for (const w of pipelined) {
        let end: number;
        let length = 0;
        for (;;) {
          raw = Buffer.concat([raw, ...chunks.splice(0)]);
          end = raw.indexOf('\r\n\r\n');
          length = end < 0 ? 0 : Number(/content-length: (\d+)/i.exec(raw.subarray(0, end).toString())?.[1]);
          if (end >= 0 && raw.length >= end + 4 + length) break;
          await once(slow, 'data');
        }
        const head = raw.subarray(0, end).toString();
        expect(head, `response for w:${w}`).toMatch(/^HTTP\/1\.1 200 [\s\S]*x-cache: HIT/i);
        expect(raw.subarray(end + 4, end + 4 + length).equals(expected.get(w)!), `bytes for w:${w}`).toBe(
          true,
        );
        raw = raw.subarray(end + 4 + length);
      }
      slow.destroy();
    } finally {
      await server.stop();
    }
  });
});
