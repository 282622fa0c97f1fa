import { randomUUID } from 'node:crypto';
import { createStorage } from '@tintype/cache';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from './config/index.js';
import { storageConfig } from './storage.js';
import { type Origin, serveBytes, startOrigin } from './test/origin.js';
import { startTestServer } from './test/server.js';

/**
 * The cache and the storage source schemes over HTTP against the real servers that
 * scripts/storage-servers/servers.sh starts (Swift s3api for S3, Swift, azurite, the GCS
 * emulator). A backend whose server is not up is skipped loudly, and fails the run in CI.
 */
const env = process.env;
const run = randomUUID().slice(0, 8);
// One bucket per backend: Swift and its s3api share one account, so they would share buckets too.
const bucketOf = (kind: string) => `tintype-${run}-${kind}`;
const backends = [
  {
    kind: 's3',
    scheme: 's3',
    ready: Boolean(env.TEST_S3_ENDPOINT),
    vars: {
      IMGPROXY_CACHE_S3_ENDPOINT: env.TEST_S3_ENDPOINT ?? '',
      IMGPROXY_CACHE_S3_REGION: env.TEST_S3_REGION ?? '',
      IMGPROXY_USE_S3: 'true',
      IMGPROXY_S3_ENDPOINT: env.TEST_S3_ENDPOINT ?? '',
      IMGPROXY_S3_REGION: env.TEST_S3_REGION ?? '',
    },
  },
  {
    kind: 'swift',
    scheme: 'swift',
    ready: Boolean(env.TEST_SWIFT_AUTH_URL),
    vars: Object.fromEntries(
      ['CACHE_', '']
        .flatMap((family) => [
          [`IMGPROXY_${family}SWIFT_AUTH_URL`, env.TEST_SWIFT_AUTH_URL ?? ''],
          [`IMGPROXY_${family}SWIFT_USERNAME`, env.TEST_SWIFT_USER ?? ''],
          [`IMGPROXY_${family}SWIFT_API_KEY`, env.TEST_SWIFT_KEY ?? ''],
        ])
        .concat([['IMGPROXY_USE_SWIFT', 'true']]),
    ),
  },
  {
    kind: 'abs',
    scheme: 'abs',
    ready: Boolean(env.TEST_ABS_ENDPOINT),
    vars: Object.fromEntries(
      ['CACHE_', '']
        .flatMap((family) => [
          [`IMGPROXY_${family}ABS_NAME`, env.TEST_ABS_ACCOUNT ?? ''],
          [`IMGPROXY_${family}ABS_KEY`, env.TEST_ABS_KEY ?? ''],
          [`IMGPROXY_${family}ABS_ENDPOINT`, env.TEST_ABS_ENDPOINT ?? ''],
        ])
        .concat([['IMGPROXY_USE_ABS', 'true']]),
    ),
  },
  {
    kind: 'gcs',
    scheme: 'gs',
    ready: Boolean(env.TEST_GCS_ENDPOINT),
    vars: {
      IMGPROXY_CACHE_GCS_ENDPOINT: env.TEST_GCS_ENDPOINT ?? '',
      IMGPROXY_USE_GCS: 'true',
      IMGPROXY_GCS_ENDPOINT: env.TEST_GCS_ENDPOINT ?? '',
    },
  },
] as const;

for (const b of backends) {
  if (!b.ready) {
    const message = `\n!!! ${b.kind}: storage server not running (source .test-servers/env.sh); its HTTP tests are SKIPPED\n`;
    if (env.CI) throw new Error(message);
    process.stderr.write(message);
  }
}

let origin: Origin;
let photo: Buffer;
beforeAll(async () => {
  // The AWS SDK reads credentials from its usual chain; the Swift s3api takes the TempAuth pair.
  env.AWS_ACCESS_KEY_ID ??= env.TEST_S3_KEY;
  env.AWS_SECRET_ACCESS_KEY ??= env.TEST_S3_SECRET;
  // S3 buckets are not created on demand (as with imgproxy, the operator makes them).
  if (env.TEST_S3_ENDPOINT) {
    const { S3Client, CreateBucketCommand } = await import('@aws-sdk/client-s3');
    const s3 = new S3Client({
      endpoint: env.TEST_S3_ENDPOINT,
      region: env.TEST_S3_REGION,
      forcePathStyle: true,
    });
    await s3.send(new CreateBucketCommand({ Bucket: bucketOf('s3') }));
    s3.destroy();
  }
  photo = await sharp({ create: { width: 320, height: 240, channels: 3, background: '#aa3300' } })
    .jpeg()
    .toBuffer();
  origin = await startOrigin({ '/photo.jpg': serveBytes(photo) });
});
afterAll(() => origin.close());

describe.each(backends)('$kind backend over HTTP', (b) => {
  const vars = {
    ...b.vars,
    IMGPROXY_ALLOW_LOOPBACK_SOURCE_ADDRESSES: 'true',
    IMGPROXY_ENABLE_DEBUG_HEADERS: 'true',
    IMGPROXY_CACHE_USE: b.kind,
    IMGPROXY_CACHE_BUCKET: bucketOf(b.kind),
    IMGPROXY_CACHE_MEMORY_SIZE: '0',
  };

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

  it.skipIf(!b.ready)(`reads ${b.scheme}:// sources through the same adapter`, async () => {
    const { config } = loadConfig(vars);
    const bucket = bucketOf(b.kind);
    const storage = await createStorage(storageConfig(config, b.kind, 'CACHE_', bucket));
    await storage.put('sources/photo one.jpg', photo, { contentType: 'image/jpeg', metadata: {} });
    const server = await startTestServer(vars);
    try {
      const res = await server.get(`/unsafe/w:80/plain/${b.scheme}://${bucket}/sources/photo%20one.jpg@png`);
      expect(res.status).toBe(200);
      const meta = await sharp(Buffer.from(await res.arrayBuffer())).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual(['png', 80, 60]);
      expect(
        (await server.get(`/unsafe/w:80/plain/${b.scheme}://${bucket}/sources/missing.jpg`)).status,
      ).toBe(404);
    } finally {
      await server.stop();
      await storage.close?.();
    }
  });
});
