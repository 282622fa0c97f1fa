// Preloaded into Tintype by the bench (`node --import`) to measure a sharp setting that Tintype
// does not expose: BENCH_SHARP_CONCURRENCY, libvips threads per image (sharp picks 1 on glibc
// without jemalloc, the number of cores otherwise). It sets the sharp that Tintype's pipeline
// resolves, not the bench's own copy: each copy loads its own libvips.
import { createRequire } from 'node:module';
import { join } from 'node:path';

const sharp = createRequire(join(process.cwd(), 'packages/pipeline/package.json'))('sharp');
if (process.env.BENCH_SHARP_CONCURRENCY) sharp.concurrency(Number(process.env.BENCH_SHARP_CONCURRENCY));
