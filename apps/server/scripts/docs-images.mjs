// Writes the pictures of docs/options.md with Tintype itself (run after `build`):
//   node apps/server/scripts/docs-images.mjs
// Every table row of options.md that holds an example URL (`/insecure/...`) and an after-picture
// (`images/<name>`) gets that picture, made by requesting the URL from a server started here on
// the repository's samples/. The before-pictures (`images/source-<sample>.jpg`) are the samples
// themselves (`samples/<name>.*`), fitted into 240×240 by the same server.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../dist/config/index.js';
import { createLogger } from '../dist/logger.js';
import { startServer } from '../dist/serve.js';

const repo = new URL('../../../', import.meta.url);
const samples = fileURLToPath(new URL('samples/', repo));
const imagesDir = new URL('docs/images/', repo);
const MAX_TOTAL = 2 * 1024 * 1024;
const EXT_OF = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/webp': 'webp',
  'image/gif': 'gif',
  'image/avif': 'avif',
};

const markdown = readFileSync(new URL('docs/options.md', repo), 'utf8');
const examples = [];
for (const line of markdown.split('\n')) {
  const url = /`\/insecure(\/[^`]+)`/.exec(line);
  const after = [...line.matchAll(/\(images\/([^)\s]+)\)/g)]
    .map((m) => m[1])
    .filter((n) => !n.startsWith('source-'));
  if (url && after.length === 1) examples.push({ path: url[1], file: after[0] });
}
const sampleFiles = readdirSync(samples);
for (const [, name] of markdown.matchAll(/\(images\/source-([^)\s]+)\.jpg\)/g)) {
  const sample = sampleFiles.find((f) => f.replace(/\.[^.]+$/, '') === name);
  if (!sample) throw new Error(`images/source-${name}.jpg: no samples/${name}.*`);
  examples.push({ path: `/rs:fit:240:240/plain/local:///${sample}@jpg`, file: `source-${name}.jpg` });
}
const unique = [...new Map(examples.map((e) => [e.file, e])).values()];

const { config } = loadConfig({
  IMGPROXY_BIND: '127.0.0.1:0',
  IMGPROXY_LOCAL_FILESYSTEM_ROOT: samples,
  IMGPROXY_WATERMARK_PATH: `${samples}target.png`,
  IMGPROXY_PRESETS: 'thumbnail=rs:fill:160:160/g:sm',
  IMGPROXY_ALLOW_SECURITY_OPTIONS: 'true',
  IMGPROXY_LOG_LEVEL: 'error',
});
const server = await startServer(config, createLogger(config));
mkdirSync(imagesDir, { recursive: true });
let total = 0;
let failed = 0;
try {
  for (const { path, file } of unique) {
    const res = await fetch(`http://${server.address}/insecure${path}`);
    const type = res.headers.get('content-type') ?? '';
    const body = Buffer.from(await res.arrayBuffer());
    if (res.status !== 200 || !file.endsWith(`.${EXT_OF[type]}`)) {
      console.error(`${file}: ${path} answered ${res.status} ${type}: ${body.toString('utf8', 0, 200)}`);
      failed++;
      continue;
    }
    writeFileSync(new URL(file, imagesDir), body);
    total += body.length;
    console.log(`${file.padEnd(32)} ${String(body.length).padStart(7)} B  ${path}`);
  }
} finally {
  await server.stop();
}
console.log(`${unique.length} pictures, ${(total / 1024).toFixed(0)} KB`);
if (total > MAX_TOTAL) {
  console.error(`docs/images is over ${MAX_TOTAL / 1024 / 1024} MB: make the examples smaller`);
  failed++;
}
process.exitCode = failed > 0 ? 1 : 0;
