// CPU per image of Tintype's pipeline against the reference server's one sharp call
// (bench/servers/reference.mjs), in one process, one image at a time: whether both do the same
// libvips work. Needs the build and the bench corpus (`pnpm bench` once).
// usage: [FORMATS=jpeg,webp,avif,png] node bench/pipeline-cpu.mjs  (default: jpeg)
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { createPipelineSettings, processImage } from '../packages/pipeline/dist/index.js';
import { defaultOptions } from '../packages/url/dist/index.js';

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
const cpu = async (f) => {
  const t = process.cpuUsage();
  const r = await f();
  const d = process.cpuUsage(t);
  return [(d.user + d.system) / 1000, r];
};
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
      const [b, rr] = await cpu(() =>
        ENCODE[fmt](
          sharp(input).autoOrient().resize(512, 512, { fit: 'inside', withoutEnlargement: true }),
        ).toBuffer({ resolveWithObject: true }),
      );
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
