#!/usr/bin/env node
// Memory under load: N concurrent requests (200 by default) for 24 MP sources against the built
// CLI (`node dist/cli.js serve`) in its own process, whose peak RSS (VmHWM, read from /proc) must
// stay under a limit derived from IMGPROXY_WORKERS. Loopback only; bounded in count (at most
// 2000 requests) and time (a hard deadline). Not part of `pnpm test`.
//
// Run after `pnpm build`:  node apps/server/bench/load.mjs [--requests 200] [--workers 4]
//                          [--size 6000x4000] [--resize rs:fit:2000:2000] [--deadline 600]
// Exit code 0 when every request succeeded and the peak stayed under the limit, 1 otherwise.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import sharp from 'sharp';

const { values: args } = parseArgs({
  options: {
    requests: { type: 'string', default: '200' },
    workers: { type: 'string', default: '4' },
    size: { type: 'string', default: '6000x4000' },
    resize: { type: 'string', default: 'rs:fit:2000:2000' },
    deadline: { type: 'string', default: '600' },
  },
});
const REQUESTS = Math.min(2000, Number(args.requests));
const WORKERS = Number(args.workers);
const [WIDTH, HEIGHT] = args.size.split('x').map(Number);
const DEADLINE_MS = Number(args.deadline) * 1000;
const hardStop = setTimeout(() => fail(`deadline of ${args.deadline}s reached`), DEADLINE_MS).unref();

// A photo-like 24 MP JPEG: smooth gradients plus noise, so that it compresses like a photo.
const gradient = await sharp(
  Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}"><defs><linearGradient id="g"><stop offset="0" stop-color="#2a6"/><stop offset="1" stop-color="#c52"/></linearGradient></defs><rect width="100%" height="100%" fill="url(#g)"/><circle cx="50%" cy="50%" r="30%" fill="#ed4" fill-opacity="0.6"/></svg>`,
  ),
)
  .png()
  .toBuffer();
const noise = await sharp({
  create: { width: WIDTH, height: HEIGHT, channels: 3, noise: { type: 'gaussian', mean: 128, sigma: 20 } },
})
  .png()
  .toBuffer();
const photo = await sharp(gradient)
  .composite([{ input: noise, blend: 'soft-light' }])
  .jpeg({ quality: 85 })
  .toBuffer();

const origin = createServer((_req, res) =>
  res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': photo.length }).end(photo),
);
await new Promise((r) => origin.listen(0, '127.0.0.1', r));
const originUrl = `http://127.0.0.1:${origin.address().port}`;

const port = await new Promise((resolve) => {
  const probe = createServer().listen(0, '127.0.0.1', () => {
    const { port } = probe.address();
    probe.close(() => resolve(port));
  });
});
const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('IMGPROXY_')));
const server = spawn(process.execPath, [new URL('../dist/cli.js', import.meta.url).pathname, 'serve'], {
  env: {
    ...base,
    IMGPROXY_BIND: `127.0.0.1:${port}`,
    IMGPROXY_WORKERS: String(WORKERS),
    IMGPROXY_ALLOW_LOOPBACK_SOURCE_ADDRESSES: 'true',
    // Every request waits its turn: the point is memory with a full queue, not the deadline.
    IMGPROXY_TIMEOUT: String(Math.ceil(DEADLINE_MS / 1000)),
    IMGPROXY_DOWNLOAD_TIMEOUT: '60',
    IMGPROXY_LOG_LEVEL: 'error',
  },
  stdio: ['ignore', 'inherit', 'inherit'],
});
server.once('exit', (code, signal) => {
  if (!finished) fail(`server exited during the run (code ${code}, signal ${signal})`);
});
let finished = false;
const serverUrl = `http://127.0.0.1:${port}`;
for (;;) {
  const up = await fetch(`${serverUrl}/health`).then(
    (r) => r.ok,
    () => false,
  );
  if (up) break;
  await new Promise((r) => setTimeout(r, 50));
}

const kb = (field) =>
  Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${server.pid}/status`, 'utf8'))[1]);
const idleRss = kb('VmRSS') * 1024;
let sampledPeak = idleRss;
const sampler = setInterval(() => {
  sampledPeak = Math.max(sampledPeak, kb('VmRSS') * 1024);
}, 25);

// The limit, from the work one worker can hold at once: the source file, its decoded pixels
// (w x h x 4 bytes, alpha included) and as much again for the step that transforms them, plus
// the output; plus what the idle server holds and libvips' per-thread buffers (a fixed 128 MB).
const decoded = WIDTH * HEIGHT * 4;
const perWorker = photo.length + 2 * decoded + decoded / 4;
const limit = idleRss + 128 * 1024 * 1024 + WORKERS * perWorker;

const started = performance.now();
const latencies = [];
const statuses = new Map();
await Promise.all(
  Array.from({ length: REQUESTS }, async (_, i) => {
    const t = performance.now();
    // A distinct URL per request (a different quality), so no two are one job.
    const path = `/unsafe/${args.resize}/q:${30 + (i % 60)}/cb:${i}/plain/${originUrl}/photo.jpg@webp`;
    let status;
    try {
      const res = await fetch(serverUrl + path);
      await res.arrayBuffer();
      status = res.status;
    } catch (e) {
      status = `error: ${e.cause?.code ?? e.message}`;
    }
    latencies.push(performance.now() - t);
    statuses.set(status, (statuses.get(status) ?? 0) + 1);
  }),
);
const seconds = (performance.now() - started) / 1000;
clearInterval(sampler);
const peak = kb('VmHWM') * 1024;
finished = true;
server.kill('SIGTERM');
await new Promise((r) => server.once('exit', r));
origin.close();
clearTimeout(hardStop);

latencies.sort((a, b) => a - b);
const ok = statuses.get(200) ?? 0;
const mb = (n) => `${(n / 1024 / 1024).toFixed(0)} MB`;
const report = {
  requests: REQUESTS,
  concurrency: REQUESTS,
  workers: WORKERS,
  source: `${WIDTH}x${HEIGHT} JPEG, ${mb(photo.length)}`,
  resize: args.resize,
  statuses: Object.fromEntries(statuses),
  errorRate: (REQUESTS - ok) / REQUESTS,
  seconds: Number(seconds.toFixed(1)),
  throughput: Number((REQUESTS / seconds).toFixed(2)),
  latencyMs: {
    p50: Math.round(latencies[Math.floor(latencies.length * 0.5)]),
    p95: Math.round(latencies[Math.floor(latencies.length * 0.95)]),
    max: Math.round(latencies.at(-1)),
  },
  idleRss: mb(idleRss),
  peakRss: mb(peak),
  sampledPeakRss: mb(sampledPeak),
  limit: mb(limit),
  limitFormula: 'idle + 128 MB + workers x (source + 2.25 x w x h x 4)',
};
console.log(JSON.stringify(report, null, 2));
const pass = ok === REQUESTS && peak <= limit;
console.log(pass ? 'PASS' : 'FAIL');
process.exit(pass ? 0 : 1);

function fail(why) {
  console.error(`FAIL: ${why}`);
  try {
    server?.kill('SIGKILL');
  } catch {}
  process.exit(1);
}
