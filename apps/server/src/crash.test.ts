import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Origin, serveBytes, startOrigin } from './test/origin.js';
import { spawnServer } from './test/process.js';

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath, d.name));
}

describe('a server killed while writing cache entries', () => {
  let origin: Origin;
  beforeAll(async () => {
    const photo = await sharp({ create: { width: 1600, height: 1200, channels: 3, background: '#208040' } })
      .jpeg()
      .toBuffer();
    origin = await startOrigin({ '/photo.jpg': serveBytes(photo) });
  });
  afterAll(() => origin.close());

  it('never leaves an entry that the next start serves wrong', async () => {
    const root = mkdtempSync(join(tmpdir(), 'tintype-crash-'));
    const env = {
      IMGPROXY_ALLOW_LOOPBACK_SOURCE_ADDRESSES: 'true',
      IMGPROXY_CACHE_USE: 'fs',
      IMGPROXY_CACHE_FS_ROOT: root,
      IMGPROXY_CACHE_MEMORY_SIZE: '0',
      IMGPROXY_ENABLE_DEBUG_HEADERS: 'true',
    };
    const widths = Array.from({ length: 24 }, (_, i) => 100 + i * 37);
    const path = (w: number) => `/unsafe/w:${w}/q:90/plain/${origin.url}/photo.jpg@png`;

    const first = await spawnServer(env);
    // Fire every request, and kill -9 the server as soon as the first answer arrives: the
    // other jobs are mid-processing or mid-write.
    const pending = widths.map((w) =>
      fetch(first.url + path(w))
        .then((r) => r.arrayBuffer())
        .catch(() => null),
    );
    await Promise.race(pending);
    // Wait until at least one entry has been published (renamed into place), then kill.
    const published = () => filesUnder(root).filter((f) => !f.split('/').at(-1)!.includes('tmp-'));
    for (let i = 0; i < 200 && published().length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    first.child.kill('SIGKILL');
    await Promise.allSettled(pending);

    const second = await spawnServer(env);
    try {
      let hits = 0;
      for (const w of widths) {
        const res = await fetch(second.url + path(w));
        expect(res.status).toBe(200);
        if (res.headers.get('x-cache') === 'HIT') hits++;
        const meta = await sharp(Buffer.from(await res.arrayBuffer())).metadata();
        expect([meta.format, meta.width]).toEqual(['png', w]);
      }
      // Entries published before the kill are hits; the rest were recomputed; all are right.
      expect(hits).toBeGreaterThan(0);
      expect(hits).toBeLessThan(widths.length);
    } finally {
      second.child.kill('SIGTERM');
    }
  });
});
