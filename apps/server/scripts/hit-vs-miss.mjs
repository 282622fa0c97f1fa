#!/usr/bin/env node
// Cost of a cache hit versus a miss: 200 sequential requests of one variant with the cache on
// (after one warming request) and the same 200 with the cache off, for the fs backend and, when
// .test-servers/env.sh has been sourced, every remote backend. Loopback only; bounded in count.
// Run after `pnpm build`: node apps/server/scripts/hit-vs-miss.mjs [count]
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { loadConfig } from '../dist/config/index.js';
import { startServer } from '../dist/serve.js';

const COUNT = Number(process.argv[2] ?? 200);
const photo = readFileSync(new URL('../../../samples/ladybird.jpg', import.meta.url));
const origin = createServer((_req, res) => res.writeHead(200, { 'content-type': 'image/jpeg' }).end(photo));
await new Promise((r) => origin.listen(0, '127.0.0.1', r));
const src = `http://127.0.0.1:${origin.address().port}/ladybird.jpg`;
const path = `/unsafe/rs:fit:512:512/plain/${src}@webp`;
const env = process.env;
const run = randomUUID().slice(0, 8);

const backends = [
  ['off', {}],
  ['fs', { IMGPROXY_CACHE_USE: 'fs', IMGPROXY_CACHE_FS_ROOT: mkdtempSync(join(tmpdir(), 'hvm-')) }],
];
const memoryOff = { IMGPROXY_CACHE_MEMORY_SIZE: '0' };
backends.push(['fs+memory', { ...backends[1][1], IMGPROXY_CACHE_MEMORY_SIZE: '64' }]);
if (env.TEST_S3_ENDPOINT) {
  env.AWS_ACCESS_KEY_ID ??= env.TEST_S3_KEY;
  env.AWS_SECRET_ACCESS_KEY ??= env.TEST_S3_SECRET;
  const { S3Client, CreateBucketCommand } = await import('@aws-sdk/client-s3');
  const s3 = new S3Client({
    endpoint: env.TEST_S3_ENDPOINT,
    region: env.TEST_S3_REGION,
    forcePathStyle: true,
  });
  await s3.send(new CreateBucketCommand({ Bucket: `hvm-${run}` }));
  backends.push([
    's3',
    {
      IMGPROXY_CACHE_USE: 's3',
      IMGPROXY_CACHE_BUCKET: `hvm-${run}`,
      IMGPROXY_CACHE_S3_ENDPOINT: env.TEST_S3_ENDPOINT,
      IMGPROXY_CACHE_S3_REGION: env.TEST_S3_REGION,
    },
  ]);
}
if (env.TEST_SWIFT_AUTH_URL)
  backends.push([
    'swift',
    {
      IMGPROXY_CACHE_USE: 'swift',
      IMGPROXY_CACHE_BUCKET: `hvm-${run}`,
      IMGPROXY_CACHE_SWIFT_AUTH_URL: env.TEST_SWIFT_AUTH_URL,
      IMGPROXY_CACHE_SWIFT_USERNAME: env.TEST_SWIFT_USER,
      IMGPROXY_CACHE_SWIFT_API_KEY: env.TEST_SWIFT_KEY,
    },
  ]);
if (env.TEST_ABS_ENDPOINT)
  backends.push([
    'abs',
    {
      IMGPROXY_CACHE_USE: 'abs',
      IMGPROXY_CACHE_BUCKET: `hvm-${run}`,
      IMGPROXY_CACHE_ABS_NAME: env.TEST_ABS_ACCOUNT,
      IMGPROXY_CACHE_ABS_KEY: env.TEST_ABS_KEY,
      IMGPROXY_CACHE_ABS_ENDPOINT: env.TEST_ABS_ENDPOINT,
    },
  ]);
if (env.TEST_GCS_ENDPOINT)
  backends.push([
    'gcs',
    {
      IMGPROXY_CACHE_USE: 'gcs',
      IMGPROXY_CACHE_BUCKET: `hvm-${run}`,
      IMGPROXY_CACHE_GCS_ENDPOINT: env.TEST_GCS_ENDPOINT,
    },
  ]);

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
const rows = [];
for (const [name, vars] of backends) {
  const { config } = loadConfig({
    IMGPROXY_BIND: '127.0.0.1:0',
    IMGPROXY_ALLOW_LOOPBACK_SOURCE_ADDRESSES: 'true',
    // A miss pays for its download, as it would without source reuse (a cold source).
    IMGPROXY_CACHE_SOURCE_SIZE: '0',
    ...(name === 'fs+memory' ? {} : memoryOff),
    ...vars,
  });
  const server = await startServer(config, pino({ level: 'silent' }));
  const url = `http://${server.address}${path}`;
  await (await fetch(url)).arrayBuffer();
  await server.flush();
  const times = [];
  for (let i = 0; i < COUNT; i++) {
    const t = performance.now();
    const res = await fetch(url);
    await res.arrayBuffer();
    times.push(performance.now() - t);
  }
  await server.stop();
  times.sort((a, b) => a - b);
  rows.push({ cache: name, median_ms: +pct(times, 50).toFixed(2), p99_ms: +pct(times, 99).toFixed(2) });
}
origin.close();
console.log(
  `${COUNT} sequential requests of ${path.replace(src, '<source>')} (1600x1000 JPEG -> 512 px WebP)`,
);
console.table(rows);
