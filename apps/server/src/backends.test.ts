import { createStorage } from '@tintype/cache';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from './config/index.js';
import { storageConfig } from './storage.js';
import { CACHE_BACKENDS, type CacheBackend } from './test/backends.js';
import { type Origin, serveBytes, startOrigin } from './test/origin.js';
import { startTestServer } from './test/server.js';

/**
 * The cache and the storage source schemes over HTTP against the real servers that
 * scripts/storage-servers/servers.sh starts (Swift s3api for S3, Swift, azurite, the GCS
 * emulator). A backend whose server is not up is skipped loudly, and fails the run in CI.
 */
const SCHEMES = { s3: 's3', swift: 'swift', abs: 'abs', gcs: 'gs' } as const;
const remotes = CACHE_BACKENDS.filter((b) => b.kind !== 'fs');

/** The same server as a source: the backend's cache variables without CACHE_, and its switch. */
function sourceVars(kind: CacheBackend['kind'], cacheVars: Record<string, string>): Record<string, string> {
  const vars: Record<string, string> = { [`IMGPROXY_USE_${kind.toUpperCase()}`]: 'true' };
  for (const [name, value] of Object.entries(cacheVars)) {
    const own = /^IMGPROXY_CACHE_((?:S3|SWIFT|ABS|GCS)_\w+)$/.exec(name);
    if (own) vars[`IMGPROXY_${own[1]}`] = value;
  }
  return vars;
}

let origin: Origin;
let photo: Buffer;
beforeAll(async () => {
  photo = await sharp({ create: { width: 320, height: 240, channels: 3, background: '#aa3300' } })
    .jpeg()
    .toBuffer();
  origin = await startOrigin({ '/photo.jpg': serveBytes(photo) });
});
afterAll(() => origin.close());

describe.each(remotes)('$kind backend over HTTP', (b) => {
  const scheme = SCHEMES[b.kind as keyof typeof SCHEMES];
  let vars: Record<string, string>;
  beforeAll(async () => {
    if (!b.ready) return;
    const cache = await b.env({
      IMGPROXY_ALLOW_LOOPBACK_SOURCE_ADDRESSES: 'true',
      IMGPROXY_ENABLE_DEBUG_HEADERS: 'true',
      IMGPROXY_CACHE_MEMORY_SIZE: '0',
    });
    vars = { ...cache, ...sourceVars(b.kind, cache) };
  });

  it.skipIf(!b.ready)('shares cached results between two servers using one bucket', async () => {
    const [one, two] = await Promise.all([startTestServer(vars), startTestServer(vars)]);
    try {
      const path = `/unsafe/rs:fit:100:100/plain/${origin.url}/photo.jpg?${b.kind}`;
      const hits = () => origin.hits.get('/photo.jpg') ?? 0;
      const before = hits();
      const first = await one.get(path);
      expect(first.headers.get('x-cache')).toBe('MISS');
      const bytes = Buffer.from(await first.arrayBuffer());
      await one.running.flush();
      const second = await two.get(path);
      expect(second.headers.get('x-cache')).toBe('HIT');
      expect(Buffer.from(await second.arrayBuffer()).equals(bytes)).toBe(true);
      expect(second.headers.get('etag')).toBe(first.headers.get('etag'));
      expect(hits()).toBe(before + 1);
    } finally {
      await Promise.all([one.stop(), two.stop()]);
    }
  });

  it.skipIf(!b.ready)(`reads ${scheme}:// sources through the same adapter`, async () => {
    const { config } = loadConfig(vars);
    const bucket = vars.IMGPROXY_CACHE_BUCKET!;
    const storage = await createStorage(storageConfig(config, b.kind, 'CACHE_', bucket));
    await storage.put('sources/photo one.jpg', photo, { contentType: 'image/jpeg', metadata: {} });
    const server = await startTestServer(vars);
    try {
      const res = await server.get(`/unsafe/w:80/plain/${scheme}://${bucket}/sources/photo%20one.jpg@png`);
      expect(res.status).toBe(200);
      const meta = await sharp(Buffer.from(await res.arrayBuffer())).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual(['png', 80, 60]);
      expect((await server.get(`/unsafe/w:80/plain/${scheme}://${bucket}/sources/missing.jpg`)).status).toBe(
        404,
      );
    } finally {
      await server.stop();
      await storage.close?.();
    }
  });
});
