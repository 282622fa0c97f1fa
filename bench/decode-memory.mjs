// Peak memory of decoding each corpus source (resized to fit 512x512, JPEG out, one image at a
// time, each in a fresh process), next to what the pixel limiter budgets for it (decodeBytes, from
// the header): the measurement behind IMGPROXY_PIXEL_WORKERS_MEMORY. Needs the build and the bench
// corpus (`pnpm bench` once). Run it with the allocator the server runs on, e.g.
//   LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4 node bench/decode-memory.mjs
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { decodeBytes, readHeader } from '../packages/pipeline/dist/index.js';
import { sumStatus } from './proc.mjs';

const dir = join(import.meta.dirname, '../.bench-cache/corpus');
const MB = 1024 * 1024;
const status = (field) => sumStatus([process.pid], field) * 1024;

if (process.argv[2]) {
  // The child: one source, prints the growth of the peak RSS while sharp works on it.
  const sharp = createRequire(join(import.meta.dirname, '../packages/pipeline/package.json'))('sharp');
  sharp.cache(false);
  const input = readFileSync(join(dir, process.argv[2]));
  const before = status('VmRSS');
  await sharp(input).resize(512, 512, { fit: 'inside' }).jpeg({ quality: 80 }).toBuffer();
  console.log(status('VmHWM') - before);
} else {
  console.log('source | size | progressive | estimate MB | measured peak MB');
  for (const name of readdirSync(dir).filter((f) => /^[jpw]\d+\./.test(f))) {
    const header = await readHeader(readFileSync(join(dir, name)));
    const peak = Number(execFileSync(process.execPath, [import.meta.filename, name], { encoding: 'utf8' }));
    const { width, height } = header.info;
    const estimate = (decodeBytes(header) / MB).toFixed(0);
    console.log(
      `${name} | ${width}x${height} | ${header.meta.isProgressive ? 'yes' : 'no'} | ${estimate} | ${(peak / MB).toFixed(0)}`,
    );
  }
}
