// Paired A/B of cache misses, for settings whose effect is smaller than this machine's drift.
// The CPU one image costs moves by up to 15 % from one minute to the next here (the same server,
// between the rounds of one bench run), so servers measured minutes apart cannot be told apart at
// 10 %. Here every server runs at once (idle while another is loaded) and the load goes to each in
// turn, in short slices, for many rounds; each slice ends by draining its requests, so its CPU per
// request counts whole requests only. Every round gives each server's CPU per request and req/s
// as a ratio to the first server's in the same round; the medians of those ratios are the answer.
// Needs the build and the bench corpus (`pnpm bench` once).
// usage: [FORMAT=jpeg] [C=4] [SLICE=4] [ROUNDS=12] [LOGS=dir] node bench/miss-ab.mjs <server>...
//   <server>: (reference | tintype)[:VAR=value,VAR=value...]  (Tintype with the cache off, launched
//   through scripts/serve.sh as `pnpm start` and bench/run.mjs launch it, plus those variables),
//   e.g. glibc's malloc against the default allocator, and the reference:
//   node bench/miss-ab.mjs tintype:LD_PRELOAD= tintype reference
import { spawn } from 'node:child_process';
import { openSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import { cycleOrder, serveFiles } from './corpus.mjs';
import { cpuTicks, idleSeconds, mainThreadTicks, minorFaults, sumStatus, TICKS_PER_SECOND } from './proc.mjs';

const FORMAT = process.env.FORMAT ?? 'jpeg';
const C = Number(process.env.C ?? 4);
const SLICE = Number(process.env.SLICE ?? 4);
const ROUNDS = Number(process.env.ROUNDS ?? 12);
const BASE_PORT = 18600;
const ORIGIN = `http://127.0.0.1:${BASE_PORT}`;
const repo = join(import.meta.dirname, '..');
const dir = join(repo, '.bench-cache/corpus');

const specs = process.argv.slice(2);
if (specs.length < 2) {
  console.error('usage: node bench/miss-ab.mjs <server> <server>... ((reference | tintype)[:VAR=value,...])');
  process.exit(2);
}
const names = readdirSync(dir).filter((f) => /^[jpw]\d+\./.test(f));
const cycle = await cycleOrder(dir, names);
const origin = await serveFiles(dir, names, BASE_PORT);

function launch(spec, port) {
  const [kind, vars = ''] = spec.split(/:(.*)/s);
  const extra = Object.fromEntries(
    vars
      .split(',')
      .filter(Boolean)
      .map((kv) => kv.split(/=(.*)/s)),
  );
  const env =
    kind === 'reference'
      ? { ...process.env, PORT: String(port), ORIGIN, ...extra }
      : {
          ...process.env,
          IMGPROXY_BIND: `127.0.0.1:${port}`,
          IMGPROXY_ALLOW_LOOPBACK_SOURCE_ADDRESSES: 'true',
          IMGPROXY_CACHE_USE: '',
          ...extra,
        };
  if (kind !== 'reference' && kind !== 'tintype') throw new Error(`unknown server ${spec}`);
  // Tintype as `pnpm start` runs it: scripts/serve.sh picks the allocator (bash execs node: one pid).
  const [cmd, ...args] =
    kind === 'reference'
      ? [process.execPath, join(repo, 'bench/servers/reference.mjs')]
      : ['bash', join(repo, 'scripts/serve.sh')];
  // LOGS=<dir>: each server's stdout to <dir>/<port>.log (e.g. what bench/gc-observer.cjs prints).
  const out = process.env.LOGS ? openSync(join(process.env.LOGS, `${port}.log`), 'w') : 'ignore';
  const child = spawn(cmd, args, { env, stdio: ['ignore', out, 'inherit'] });
  const pathOf =
    kind === 'reference'
      ? (f) => `/${FORMAT}/${f}`
      : (f, n) => `/unsafe/cb:${n}/rs:fit:512:512/plain/${ORIGIN}/${f}@${FORMAT}`;
  return { spec, child, pool: new Pool(`http://127.0.0.1:${port}`, { connections: C }), pathOf, rows: [] };
}

let cachebuster = 0;
/** One slice: C connections cycle through the corpus for `seconds`, then drain. */
async function slice(server, seconds) {
  const ticks0 = cpuTicks([server.child.pid]);
  const main0 = mainThreadTicks(server.child.pid);
  const idle0 = idleSeconds();
  const faults0 = minorFaults([server.child.pid]);
  const t0 = performance.now();
  const until = t0 + seconds * 1000;
  let next = 0;
  let requests = 0;
  const connection = async () => {
    while (performance.now() < until) {
      const path = server.pathOf(cycle[next++ % cycle.length], ++cachebuster);
      const res = await server.pool.request({ path, method: 'GET' });
      await res.body.dump({ limit: Number.POSITIVE_INFINITY });
      if (res.statusCode !== 200) throw new Error(`${server.spec}: ${path} answered ${res.statusCode}`);
      requests++;
    }
  };
  await Promise.all(Array.from({ length: C }, connection));
  const wall = (performance.now() - t0) / 1000;
  return {
    requests,
    reqPerS: requests / wall,
    cpuMs: ((cpuTicks([server.child.pid]) - ticks0) * 1000) / TICKS_PER_SECOND / requests,
    mainMs: ((mainThreadTicks(server.child.pid) - main0) * 1000) / TICKS_PER_SECOND / requests,
    faults: (minorFaults([server.child.pid]) - faults0) / requests,
    // How much of the machine nobody used meanwhile: what more images at once could take.
    idle: (idleSeconds() - idle0) / wall,
  };
}

const servers = specs.map((s, i) => launch(s, BASE_PORT + 1 + i));
try {
  for (const s of servers) {
    for (let i = 0; ; i++) {
      try {
        await (await s.pool.request({ path: s.pathOf(cycle[0], 0), method: 'GET' })).body.dump();
        break;
      } catch (e) {
        if (i > 100) throw e;
        await sleep(100);
      }
    }
    await slice(s, SLICE); // warm-up
  }
  for (let round = 0; round < ROUNDS; round++) {
    const order = servers.map((_, i) => servers[(i + round) % servers.length]);
    for (const s of order) s.rows.push(await slice(s, SLICE));
    const line = servers.map((s) => {
      const r = s.rows.at(-1);
      return `${s.spec.split(':')[0]}${servers.indexOf(s)} ${r.reqPerS.toFixed(1)} req/s ${r.cpuMs.toFixed(1)} ms`;
    });
    console.error(`round ${round + 1}: ${line.join(' | ')}`);
  }
  // Peak RSS since start, read before the servers stop (all rounds, warm-up included).
  for (const s of servers) s.peakMb = sumStatus([s.child.pid], 'VmHWM') / 1024;
} finally {
  for (const s of servers) s.child.kill();
  origin.close();
}

const median = (xs) => {
  const a = [...xs].sort((x, y) => x - y);
  return a.length % 2 ? a[a.length >> 1] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
};
const base = servers[0].rows;
console.log(
  `\n${FORMAT}, c${C}, ${ROUNDS} rounds of ${SLICE} s per server; ratios to ${servers[0].spec}, round by round:`,
);
console.log(
  'server | CPU ms/req (median) | main thread ms/req (median) | machine idle % (median) | page faults/req (median) | CPU × first (median, range) | req/s (median) | req/s × first (median, range) | peak RSS MB',
);
for (const s of servers) {
  const cpu = s.rows.map((r, i) => r.cpuMs / base[i].cpuMs);
  const rps = s.rows.map((r, i) => r.reqPerS / base[i].reqPerS);
  const range = (xs) => `${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)}`;
  console.log(
    [
      s.spec,
      median(s.rows.map((r) => r.cpuMs)).toFixed(1),
      median(s.rows.map((r) => r.mainMs)).toFixed(1),
      (100 * median(s.rows.map((r) => r.idle))).toFixed(1),
      median(s.rows.map((r) => r.faults)).toFixed(0),
      `${median(cpu).toFixed(3)} (${range(cpu)})`,
      median(s.rows.map((r) => r.reqPerS)).toFixed(1),
      `${median(rps).toFixed(3)} (${range(rps)})`,
      s.peakMb.toFixed(0),
    ].join(' | '),
  );
}
process.exit(0);
