// Misses under load, one server at a time, with the CPU per request split by thread name (the
// main thread "node" against "libvips worker"): where a server spends beyond libvips. A Node
// origin on loopback serves the bench corpus (the 25 large sources); Tintype runs with the cache
// off, as in the miss table. Needs the build and the corpus (`pnpm bench` once).
// usage: [FORMAT=jpeg|webp|avif|png] node bench/miss-threads.mjs tintype|reference [concurrency=4] [seconds=10]
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { request as httpReq } from 'node:http';
import { join } from 'node:path';
import { serveFiles } from './corpus.mjs';

const [kind = 'tintype', C = '4', S = '10'] = process.argv.slice(2);
const repo = join(import.meta.dirname, '..');
const dir = join(repo, '.bench-cache/corpus');
const files = readdirSync(dir).filter((f) => /\.(jpg|png|webp)$/.test(f) && !f.startsWith('s'));
const origin = await serveFiles(dir, files, 18501);
const env = {
  ...process.env,
  PORT: '18502',
  ORIGIN: 'http://127.0.0.1:18501',
  IMGPROXY_BIND: '127.0.0.1:18502',
  IMGPROXY_ALLOW_LOOPBACK_SOURCE_ADDRESSES: 'true',
  IMGPROXY_LOG_LEVEL: 'warn',
};
// Each as the miss table runs it: Tintype through scripts/serve.sh (its allocator; bash execs node,
// so the child's pid is the server's), the reference on glibc's defaults.
const [cmd, ...args] =
  kind === 'tintype'
    ? ['bash', join(repo, 'scripts/serve.sh')]
    : [process.execPath, join(repo, 'bench/servers/reference.mjs')];
const child = spawn(cmd, args, { env, stdio: 'inherit' });
const FORMAT = process.env.FORMAT ?? 'jpeg';
const pathOf = (f) =>
  kind === 'tintype'
    ? `/unsafe/rs:fit:512:512/plain/http://127.0.0.1:18501/${f}@${FORMAT}`
    : `/${FORMAT}/${f}`;
const get = (p) =>
  new Promise((res, rej) => {
    const r = httpReq({ host: '127.0.0.1', port: 18502, path: p, agent: false }, (m) => {
      m.resume();
      m.on('end', () => res(m.statusCode));
    });
    r.on('error', rej);
    r.end();
  });
for (let i = 0; i < 50; i++) {
  try {
    await get('/health');
    break;
  } catch {
    await new Promise((r) => setTimeout(r, 100));
  }
}
let stop = false;
let done = 0;
const loop = async (k) => {
  let i = k * 5;
  while (!stop) {
    const s = await get(pathOf(files[i++ % files.length]));
    if (s !== 200) throw new Error('status ' + s);
    done++;
  }
};
const threads = () => {
  const out = {};
  for (const t of readdirSync(`/proc/${child.pid}/task`)) {
    try {
      const st = readFileSync(`/proc/${child.pid}/task/${t}/stat`, 'utf8');
      const comm = st.slice(st.indexOf('(') + 1, st.lastIndexOf(')')).replace(/[0-9]+$/, '');
      const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
      out[t] = { comm, ticks: +f[11] + +f[12] };
    } catch {}
  }
  return out;
};
const loops = Array.from({ length: +C }, (_, k) => loop(k));
await new Promise((r) => setTimeout(r, 3000));
const a = threads();
const d0 = done;
await new Promise((r) => setTimeout(r, +S * 1000));
const b = threads();
const reqs = done - d0;
stop = true;
await Promise.all(loops);
const by = {};
for (const [t, v] of Object.entries(b)) {
  const d = v.ticks - (a[t]?.ticks ?? 0);
  by[v.comm] = (by[v.comm] ?? 0) + d;
}
const total = Object.values(by).reduce((x, y) => x + y, 0);
console.log(
  kind,
  'c' + C,
  'req/s',
  (reqs / +S).toFixed(1),
  'CPU ms/req',
  ((total * 10) / reqs).toFixed(1),
  Object.entries(by)
    .filter(([, v]) => v > 0)
    .map(([k, v]) => `${k}:${((v * 10) / reqs).toFixed(1)}`)
    .join(' '),
);
child.kill();
origin.close();
process.exit(0);
