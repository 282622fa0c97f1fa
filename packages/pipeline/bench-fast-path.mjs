// Images/s and CPU time per image: the fast path, the step list and a bare sharp pipeline, for the
// bench corpus's JPEGs resized to fit 512x512 as JPEG q80. Not part of the tests.
// Run after `build`: node packages/pipeline/bench-fast-path.mjs [corpus dir] [rounds]
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultOptions } from '@tintype/url';
import sharp from 'sharp';
import { createPipelineSettings, processImage } from './dist/index.js';

if (process.env.SHARP_CONCURRENCY) sharp.concurrency(Number(process.env.SHARP_CONCURRENCY));
const dir = process.argv[2] || new URL('../../.bench-cache/corpus', import.meta.url).pathname;
const rounds = Number(process.argv[3] ?? 3);
const files = readdirSync(dir)
  .filter((f) => /^j\d+\.jpg$/.test(f))
  .sort();
const images = files.map((f) => readFileSync(join(dir, f)));
const settings = createPipelineSettings();
const options = Object.assign(defaultOptions(), { resizingType: 'fit', width: 512, height: 512 });

const variants = {
  fast: (b) => processImage(b, options, settings, 'jpeg'),
  steps: (b) => processImage(b, options, settings, 'jpeg', { fastPath: false }),
  bare: (b) => sharp(b).autoOrient().resize(512, 512, { fit: 'inside' }).jpeg({ quality: 80 }).toBuffer(),
};

async function measure(fn, concurrency) {
  let next = 0;
  const startCpu = process.cpuUsage();
  const start = performance.now();
  const worker = async () => {
    while (next < images.length) await fn(images[next++]);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(startCpu);
  return { perSecond: images.length / seconds, cpuMs: (cpu.user + cpu.system) / 1000 / images.length };
}

console.log(
  `sharp ${sharp.versions.sharp}, libvips ${sharp.versions.vips}, sharp.concurrency() ${sharp.concurrency()}, ` +
    `UV_THREADPOOL_SIZE ${process.env.UV_THREADPOOL_SIZE ?? '(4)'}, ${images.length} JPEGs`,
);
for (const fn of Object.values(variants)) await measure(fn, 2); // warm-up
const results = {};
for (let r = 0; r < rounds; r++) {
  for (const concurrency of [1, 4]) {
    for (const [name, fn] of Object.entries(variants)) {
      const m = await measure(fn, concurrency);
      const key = `${name} c${concurrency}`;
      results[key] = [...(results[key] ?? []), m];
    }
  }
}
const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const [key, ms] of Object.entries(results)) {
  const ips = median(ms.map((m) => m.perSecond));
  const cpu = median(ms.map((m) => m.cpuMs));
  console.log(
    `${key.padEnd(9)} ${ips.toFixed(1).padStart(6)} images/s  ${cpu.toFixed(0).padStart(5)} ms CPU/image  (runs: ${ms.map((m) => m.perSecond.toFixed(1)).join(', ')})`,
  );
}
