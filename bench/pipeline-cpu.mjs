// CPU per image of Tintype's pipeline against the reference server's one sharp call
// (bench/servers/reference.mjs), in one process without HTTP: whether both do the same libvips work.
// One image at a time, per corpus source; or, with AT_ONCE=k, k images at a time over the whole
// corpus for SECONDS per round, Tintype's pipeline (with its header read) and the reference's call
// in alternate rounds: images/s, CPU per image and the share of the machine left idle, which is
// what bounding the images in sharp costs, apart from any server. Run it on tcmalloc, as the bench
// runs Tintype (LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4). Needs the build and
// the bench corpus (`pnpm bench` once).
// usage: [FORMATS=jpeg,webp,avif,png] [AT_ONCE=k [SECONDS=10] [ROUNDS=2]] node bench/pipeline-cpu.mjs  (default: jpeg)
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createPipelineSettings, processImage, readHeader } from '../packages/pipeline/dist/index.js';
import { defaultOptions } from '../packages/url/dist/index.js';
import { idleSeconds } from './proc.mjs';

// The pipeline's own sharp: two copies of libvips in one process would clash.
const sharp = createRequire(join(import.meta.dirname, '../packages/pipeline/package.json'))('sharp');
const dir = join(import.meta.dirname, '../.bench-cache/corpus');
const settings = createPipelineSettings({});
const opts = () => Object.assign(defaultOptions(), { width: 512, height: 512, resizingType: 'fit' });
const ENCODE = {
  jpeg: (s) => s.jpeg({ quality: 80, optimiseCoding: true, chromaSubsampling: '4:2:0' }),
  webp: (s) => s.webp({ quality: 79, effort: 4 }),
  avif: (s) => s.avif({ quality: 63, effort: 1, chromaSubsampling: '4:2:0', bitdepth: 8 }),
  png: (s) => s.png({ adaptiveFiltering: true }),
};
const FORMATS = (process.env.FORMATS ?? 'jpeg').split(',');
const reference = (input, fmt) =>
  ENCODE[fmt](sharp(input).autoOrient().resize(512, 512, { fit: 'inside', withoutEnlargement: true }));
const cpu = async (f) => {
  const t = process.cpuUsage();
  const r = await f();
  const d = process.cpuUsage(t);
  return [(d.user + d.system) / 1000, r];
};
if (process.env.AT_ONCE) {
  await atOnce(
    Number(process.env.AT_ONCE),
    Number(process.env.SECONDS ?? 10),
    Number(process.env.ROUNDS ?? 2),
  );
  process.exit(0);
}

let totT = 0,
  totR = 0;
for (const f of readdirSync(dir).filter((f) => /\.(jpg|png|webp)$/.test(f))) {
  const input = readFileSync(`${dir}/${f}`);
  const meta = await sharp(input).metadata();
  for (const fmt of FORMATS) {
    let t = 0,
      r = 0,
      tb,
      rb;
    for (let i = 0; i < 3; i++) {
      const [a, ra] = await cpu(() => processImage(input, opts(), settings, fmt));
      t += a;
      tb = ra;
      const [b, rr] = await cpu(() => reference(input, fmt).toBuffer({ resolveWithObject: true }));
      r += b;
      rb = rr;
    }
    totT += t;
    totR += r;
    console.log(
      f.padEnd(9),
      fmt,
      `${meta.width}x${meta.height}`,
      meta.isProgressive ? 'prog' : '    ',
      'tintype',
      (t / 3).toFixed(0),
      'ref',
      (r / 3).toFixed(0),
      'bytes',
      tb.data.length,
      rb.data.length,
      `${tb.width}x${tb.height}`,
      `${rb.info.width}x${rb.info.height}`,
    );
  }
}
console.log('total tintype', totT.toFixed(0), 'ref', totR.toFixed(0));

/** k images at a time, each pipeline in turn for `seconds`, `rounds` times; one line per format and pipeline. */
async function atOnce(k, seconds, rounds) {
  const sources = readdirSync(dir)
    .filter((f) => /^[jpw]\d+\./.test(f))
    .map((f) => readFileSync(`${dir}/${f}`));
  const PIPELINES = {
    tintype: async (input, fmt) =>
      processImage(input, opts(), settings, fmt, { header: await readHeader(input) }),
    reference: (input, fmt) => reference(input, fmt).toBuffer(),
  };
  for (const fmt of FORMATS) {
    const sum = Object.fromEntries(
      Object.keys(PIPELINES).map((name) => [name, { n: 0, s: 0, cpu: 0, idle: 0 }]),
    );
    for (let round = 0; round < rounds; round++) {
      for (const [name, run] of Object.entries(PIPELINES)) {
        let next = round * k,
          done = 0,
          stop = false;
        const loop = async () => {
          while (!stop) {
            await run(sources[next++ % sources.length], fmt);
            done++;
          }
        };
        const loops = Array.from({ length: k }, loop);
        await sleep(1000); // the first images of each loop: unmeasured
        const [n0, i0, c0, t0] = [done, idleSeconds(), process.cpuUsage(), performance.now()];
        await sleep(seconds * 1000);
        const [n1, i1, c1, t1] = [done, idleSeconds(), process.cpuUsage(c0), performance.now()];
        stop = true;
        await Promise.all(loops);
        const s = sum[name];
        s.n += n1 - n0;
        s.s += (t1 - t0) / 1000;
        s.cpu += (c1.user + c1.system) / 1000;
        s.idle += i1 - i0;
      }
    }
    for (const [name, s] of Object.entries(sum)) {
      console.log(
        `${fmt} ${name.padEnd(9)} ${k} at a time: ${(s.n / s.s).toFixed(1)} images/s, ${(s.cpu / s.n).toFixed(1)} CPU ms/image, machine idle ${((100 * s.idle) / s.s).toFixed(1)} %`,
      );
    }
  }
}
