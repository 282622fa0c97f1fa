// The benchmark of issue 8: Tintype against a bare sharp server and ipx on cache misses, and
// against nginx serving the same bytes on cache hits; then how Tintype's cost grows with
// concurrency and source size. Run through `pnpm bench` (bench/bench.sh installs and builds first).
// Every server listens on 127.0.0.1, one at a time; the load is a closed loop bounded in time: a
// client of our own for misses (loopCell), wrk for hits (wrkCell).
// Settings (environment; the defaults are the full run, BENCH_QUICK=1 the ~3-minute one):
//   BENCH_ROUNDS (3)    rounds; servers run one after the other in each, in a rotated order
//   BENCH_WARMUP (5)    seconds of unmeasured load after each server start
//   BENCH_SETTLE (2)    seconds of unmeasured load before each measurement (drains the last one)
//   BENCH_MEASURE (15)  measured seconds per table cell, split evenly over the rounds
//   BENCH_SCALE_MEASURE (8)  measured seconds per cell of the scaling table (one round)
//   BENCH_CONCURRENCY ("4,16"; quick: "16")  BENCH_FORMATS ("jpeg,webp,avif,png")  BENCH_PARTS ("miss,hit,scale")
//   BENCH_REFERENCES ("reference,ipx")  the other servers of the miss table
//   BENCH_TINTYPE_ENV   extra environment for every Tintype, e.g. "UV_THREADPOOL_SIZE=8 IMGPROXY_WORKERS=2"
//   BENCH_VARIANTS      more Tintype launches to compare, JSON {"name": {"env": {..}, "node": ["--flag"]}}
//   BENCH_DOC (1 in a full run, 0 in a quick one)  write the tables into docs/benchmarks.md
//   BENCH_PORT (18400)  origin port; the server under test listens on the next one
import { spawn, spawnSync } from 'node:child_process';
import { setMaxListeners } from 'node:events';
import { mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer as createNetServer } from 'node:net';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { buildCorpus, cycleOrder } from './corpus.mjs';
import { allocatorOf, cpuTicks, sumStatus, TICKS_PER_SECOND } from './proc.mjs';

const BENCH = dirname(fileURLToPath(import.meta.url));
const REPO = dirname(BENCH);
const QUICK = process.env.BENCH_QUICK === '1';
const num = (name, full, quick) => Number(process.env[name] ?? (QUICK ? quick : full));
const list = (name, dflt) =>
  (process.env[name] ?? dflt)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

const cfg = {
  quick: QUICK,
  rounds: num('BENCH_ROUNDS', 3, 1),
  warmup: num('BENCH_WARMUP', 5, 2),
  settle: num('BENCH_SETTLE', 2, 1),
  measure: num('BENCH_MEASURE', 15, 2),
  scaleMeasure: num('BENCH_SCALE_MEASURE', 8, 2),
  concurrency: list('BENCH_CONCURRENCY', QUICK ? '16' : '4,16').map(Number),
  formats: list('BENCH_FORMATS', 'jpeg,webp,avif,png'),
  parts: list('BENCH_PARTS', 'miss,hit,scale'),
  scaleConcurrency: [1, 4, 16, 64],
  scaleSourceConcurrency: 4,
  scaleFormat: 'jpeg',
  doc: (process.env.BENCH_DOC ?? (QUICK ? '0' : '1')) === '1',
  port: num('BENCH_PORT', 18400, 18400),
};
const perRound = Math.max(1, Math.round(cfg.measure / cfg.rounds));

const CACHE_DIR = process.env.BENCH_CACHE_DIR ?? join(REPO, '.bench-cache');
const RUN = join(CACHE_DIR, 'run');
const ORIGIN = `http://127.0.0.1:${cfg.port}`;
const PORT = cfg.port + 1;
const TARGET = `http://127.0.0.1:${PORT}`;
const METRICS_PORT = cfg.port + 2;
const EXT = { jpeg: 'jpg', webp: 'webp', avif: 'avif', png: 'png' };
// Tintype's (imgproxy's) default qualities, given to ipx so that it encodes as much as the others.
const QUALITY = { jpeg: 80, webp: 79, avif: 63 };
const log = (...a) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}]`, ...a);

// ---------------------------------------------------------------------------------------------
// processes

const started = new Set();
let tintypeAllocator;

/** Starts a server and waits until it answers HTTP. */
async function startServer(name, spec) {
  const logFile = openSync(join(RUN, `${name}.log`), 'a');
  const p = spawn(spec.cmd[0], spec.cmd.slice(1), {
    cwd: REPO,
    env: { ...process.env, ...spec.env },
    stdio: ['ignore', logFile, logFile],
  });
  started.add(p);
  p.once('exit', () => started.delete(p));
  const procs = [p];
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (procs.some((p) => p.exitCode !== null))
      throw new Error(`${name} exited at start; see ${RUN}/${name}.log`);
    try {
      await fetch(`${TARGET}/`, { signal: AbortSignal.timeout(1000) }).then((r) => r.arrayBuffer());
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`${name} did not answer on ${TARGET}`);
      await sleep(100);
    }
  }
  // What the first Tintype of the run really runs on, for the report (BENCH_VARIANTS may differ).
  if (name.startsWith('tintype')) tintypeAllocator ??= allocatorOf(p.pid);
  return { name, procs, pids: procs.map((p) => p.pid) };
}

async function stopServer(server) {
  const hwm = sumStatus(treeOf(server.pids), 'VmHWM');
  for (const p of server.procs) p.kill('SIGTERM');
  const exited = Promise.all(
    server.procs.map((p) => (p.exitCode !== null ? null : new Promise((r) => p.once('exit', r)))),
  );
  const t = setTimeout(() => {
    for (const p of server.procs) if (p.exitCode === null) p.kill('SIGKILL');
  }, 10_000);
  await exited;
  clearTimeout(t);
  return hwm;
}

function stopAll() {
  for (const p of started) p.kill('SIGKILL');
}
process.on('exit', stopAll);
for (const s of ['SIGINT', 'SIGTERM']) process.on(s, () => process.exit(130));

// ---------------------------------------------------------------------------------------------
// memory: the whole process tree of a server (nginx's workers, Tintype's cluster workers)

function treeOf(roots) {
  const children = new Map();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid).push(Number(d));
    } catch {} // gone meanwhile
  }
  const out = [];
  const todo = [...roots];
  while (todo.length) {
    const pid = todo.pop();
    out.push(pid);
    todo.push(...(children.get(pid) ?? []));
  }
  return out;
}

/** Polls the tree's resident memory every 100 ms; stop() gives the highest sum seen, in kB. */
function sampleRss(roots) {
  let pids = treeOf(roots);
  let peak = sumStatus(pids, 'VmRSS');
  let ticks = 0;
  const timer = setInterval(() => {
    if (++ticks % 10 === 0) pids = treeOf(roots);
    peak = Math.max(peak, sumStatus(pids, 'VmRSS'));
  }, 100);
  return () => {
    clearInterval(timer);
    return peak;
  };
}

// ---------------------------------------------------------------------------------------------
// load

const WRK_LUA = join(BENCH, 'wrk.lua');

/** One wrk run over a list of paths; returns its counts and latency percentiles. */
async function wrk(paths, c, seconds) {
  const file = join(RUN, `paths-${process.pid}.txt`);
  writeFileSync(file, `${paths.join('\n')}\n`);
  const threads = Math.min(2, c);
  const args = [
    '-t',
    threads,
    '-c',
    c,
    '-d',
    `${seconds}s`,
    '--timeout',
    '30s',
    '-s',
    WRK_LUA,
    TARGET,
    '--',
    file,
  ];
  const out = await new Promise((resolve, reject) => {
    const p = spawn('wrk', args.map(String), { stdio: ['ignore', 'pipe', 'inherit'] });
    started.add(p);
    let text = '';
    p.stdout.on('data', (d) => {
      text += d;
    });
    p.once('error', reject);
    p.once('exit', (code) => {
      started.delete(p);
      code === 0 ? resolve(text) : reject(new Error(`wrk exited ${code}: ${text}`));
    });
  });
  const line = out.split('\n').find((l) => l.startsWith('{"requests"'));
  if (!line) throw new Error(`no result from wrk: ${out}`);
  return JSON.parse(line);
}

/** Hits: settles, then measures one cell with wrk while sampling the server's memory. */
async function wrkCell(server, paths, c, seconds) {
  await waitQuiet(server);
  // A hit takes well under a millisecond: one second settles it.
  if (cfg.settle > 0) await wrk(paths, c, Math.min(1, cfg.settle));
  const stopSampling = sampleRss(server.pids);
  const stopForeign = foreignLoad(server);
  const stopCpu = serverCpu(server);
  const r = await wrk(paths, c, seconds);
  const rssKb = stopSampling();
  const foreign = stopForeign();
  lastForeign = foreign;
  const cpuSeconds = stopCpu();
  return { ...r, errors: r.connect + r.read + r.write + r.status + r.timeout, rssKb, foreign, cpuSeconds };
}

let cachebuster = 0;

/**
 * Misses: a closed loop of c connections, each sending its next request when the last is
 * answered, for settle + seconds without a pause; only what completes inside the measured window
 * counts. Why not wrk here: a miss takes up to seconds, so a separate wrk run would start on an
 * idle server (the first answers come late) and stop with c answers unread; measuring a window
 * of one continuous run has neither edge. Requests still open at the end are abandoned, and the
 * next measurement waits until the server has finished them (waitIdle).
 */
async function loopCell(server, paths, c, seconds, settle = cfg.settle) {
  await waitIdle(server);
  if (seconds > 0) await waitQuiet(server);
  const pool = new Pool(TARGET, {
    connections: c,
    pipelining: 1,
    headersTimeout: 120_000,
    bodyTimeout: 120_000,
  });
  const t0 = performance.now();
  const from = t0 + settle * 1000;
  const to = from + seconds * 1000;
  const abort = new AbortController();
  setMaxListeners(Math.max(10, 2 * c), abort.signal); // one listener per open request
  const timer = setTimeout(() => abort.abort(), to - t0);
  const latencies = [];
  let bytes = 0;
  let errors = 0;
  let next = 0;
  let stopSampling;
  let stopForeign;
  let stopCpu;
  const samplerStart = setTimeout(() => {
    stopSampling = sampleRss(server.pids);
    stopForeign = foreignLoad(server);
    stopCpu = serverCpu(server);
  }, from - t0);
  const connection = async () => {
    while (performance.now() < to) {
      // {n}: a cachebuster unique in the whole run, so that no two requests share a result.
      const path = paths[next++ % paths.length].replace('{n}', String(++cachebuster));
      const start = performance.now();
      let size = 0;
      let ok = false;
      try {
        const res = await pool.request({ path, method: 'GET', signal: abort.signal });
        for await (const chunk of res.body) size += chunk.length;
        ok = res.statusCode === 200;
      } catch {
        if (abort.signal.aborted) return;
      }
      const end = performance.now();
      if (end >= from && end <= to) {
        latencies.push(end - start);
        bytes += size;
        if (!ok) errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: c }, connection));
  clearTimeout(timer);
  clearTimeout(samplerStart);
  const rssKb = stopSampling ? stopSampling() : 0;
  const foreign = stopForeign ? stopForeign() : 0;
  if (stopForeign) lastForeign = foreign;
  const cpuSeconds = stopCpu ? stopCpu() : 0;
  await pool.destroy().catch(() => {});
  latencies.sort((a, b) => a - b);
  const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? Number.NaN;
  return {
    requests: latencies.length,
    duration_us: seconds * 1e6,
    bytes,
    errors,
    p50_us: at(0.5) * 1000,
    p99_us: at(0.99) * 1000,
    max_us: (latencies.at(-1) ?? Number.NaN) * 1000,
    rssKb,
    foreign,
    cpuSeconds,
  };
}

// The machine may be shared (other people's tests): CPU used by processes that are neither the
// server, the origin nor the bench itself is measured around every cell, and a cell waits for it to
// calm down first. Cells run beside such load are marked in the report.
const QUIET_CORES = 0.25;
let originPids = [];

function systemBusyTicks() {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  return f[0] + f[1] + f[2] + f[5] + f[6] + f[7]; // user nice system irq softirq steal
}

function selfTicks() {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]); // with reaped children (wrk)
}

/** Starts measuring others' CPU use; the returned function gives it in cores. */
function foreignLoad(server) {
  const pids = treeOf([...server.pids, ...originPids]);
  const own = () => cpuTicks(pids) + selfTicks();
  const t0 = performance.now();
  const sys0 = systemBusyTicks();
  const own0 = own();
  return () => {
    const seconds = (performance.now() - t0) / 1000;
    const foreign = systemBusyTicks() - sys0 - (own() - own0);
    return Math.max(0, foreign) / TICKS_PER_SECOND / seconds;
  };
}

/**
 * CPU seconds the server's processes use until the returned function is called. Divided by the
 * answers, it is the cost of one request: unlike req/s, it hardly moves when others share the CPU.
 */
function serverCpu(server) {
  const pids = treeOf(server.pids);
  const t0 = cpuTicks(pids);
  return () => (cpuTicks(pids) - t0) / TICKS_PER_SECOND;
}

let lastForeign = Number.POSITIVE_INFINITY;

/**
 * Waits (at most 60 s) for a second in which others use less than QUIET_CORES, unless the last
 * cell was quiet (each cell measures others' load anyway, and the check costs a second).
 */
async function waitQuiet(server) {
  if (lastForeign < QUIET_CORES) return;
  const deadline = Date.now() + 60_000;
  for (;;) {
    const load = foreignLoad(server);
    await sleep(1000);
    const cores = load();
    if (cores < QUIET_CORES) return;
    if (Date.now() > deadline) {
      log(`others keep using ${cores.toFixed(2)} cores; measuring anyway`);
      return;
    }
  }
}

/** Waits (at most 20 s) until the server uses less than a tenth of a core: abandoned work is done. */
async function waitIdle(server) {
  const pids = treeOf(server.pids);
  const deadline = Date.now() + 20_000;
  let last = cpuTicks(pids);
  while (Date.now() < deadline) {
    await sleep(250);
    const now = cpuTicks(pids);
    if (now - last < 3) return;
    last = now;
  }
}

// ---------------------------------------------------------------------------------------------
// servers and their URLs

const NODE = process.execPath;
const TINTYPE_SERVE = join(REPO, 'scripts/serve.sh');

function parseEnv(text) {
  return Object.fromEntries(
    (text ?? '')
      .split(/\s+/)
      .filter(Boolean)
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  );
}

const VARIANTS = { tintype: {}, ...JSON.parse(process.env.BENCH_VARIANTS ?? '{}') };
// With the cache on, Tintype serves from one process per CPU (IMGPROXY_PROCESSES=0); hits are also
// measured in one process, to show what the second buys.
const ONE_PROCESS = { env: { IMGPROXY_PROCESSES: '1' } };
const FS_ROOT = join(RUN, 'tintype-cache');

/** A Tintype launch: cache off (misses), fs only (fs hits), or fs behind the memory tier. */
function tintype(variant, mode, extraEnv = {}) {
  const v = typeof variant === 'string' ? VARIANTS[variant] : variant;
  const cache =
    mode === 'miss'
      ? { IMGPROXY_CACHE_USE: '' }
      : {
          IMGPROXY_CACHE_USE: 'fs',
          IMGPROXY_CACHE_FS_ROOT: FS_ROOT,
          IMGPROXY_CACHE_MEMORY_SIZE: mode === 'mem' ? '256' : '0',
        };
  return {
    // As `pnpm start` runs Tintype (scripts/serve.sh picks the allocator); a variant's node flags
    // go through NODE_OPTIONS.
    cmd: ['bash', TINTYPE_SERVE],
    env: {
      ...(v.node ? { NODE_OPTIONS: v.node.join(' ') } : {}),
      IMGPROXY_BIND: `127.0.0.1:${PORT}`,
      IMGPROXY_ALLOW_LOOPBACK_SOURCE_ADDRESSES: 'true',
      IMGPROXY_GRACEFUL_STOP_TIMEOUT: '1',
      ...cache,
      ...parseEnv(process.env.BENCH_TINTYPE_ENV),
      ...(v.env ?? {}),
      ...extraEnv,
    },
  };
}

const reference = () => ({
  cmd: [NODE, join(BENCH, 'servers/reference.mjs')],
  env: { PORT: String(PORT), ORIGIN },
});
const ipx = () => ({ cmd: [NODE, join(BENCH, 'servers/ipx.mjs')], env: { PORT: String(PORT), ORIGIN } });
const nodeStatic = () => ({
  cmd: [NODE, join(BENCH, 'servers/node-static.mjs')],
  env: { PORT: String(PORT), ROOT: join(RUN, 'results') },
});

// nginx runs with a prefix of its own: the origin (the corpus) and the hit ceiling (results).
function nginxConf(name, root, port, workers) {
  const prefix = join(RUN, name);
  mkdirSync(join(prefix, 'tmp'), { recursive: true });
  writeFileSync(
    join(prefix, 'nginx.conf'),
    `daemon off; master_process on; worker_processes ${workers}; pid nginx.pid; error_log stderr warn;
events { worker_connections 4096; }
http {
  access_log off; sendfile on; tcp_nopush on; tcp_nodelay on; keepalive_requests 1000000; etag on;
  client_body_temp_path tmp/body; proxy_temp_path tmp/proxy; fastcgi_temp_path tmp/fcgi; uwsgi_temp_path tmp/uwsgi; scgi_temp_path tmp/scgi;
  types { image/jpeg jpg; image/png png; image/webp webp; image/avif avif; }
  server { listen 127.0.0.1:${port}; root ${root}; }
}
`,
  );
  return { cmd: ['nginx', '-p', prefix, '-c', 'nginx.conf'] };
}

/** What each server is asked for one source and output format. */
const URLS = {
  // {n}: a cachebuster unique to each request, so a miss is a miss (no coalescing, no memory tier).
  tintypeMiss: (f, fmt) => `/unsafe/cb:{n}/rs:fit:512:512/plain/${ORIGIN}/${f}@${fmt}`,
  tintypeHit: (f, fmt) => `/unsafe/rs:fit:512:512/plain/${ORIGIN}/${f}@${fmt}`,
  reference: (f, fmt) => `/${fmt}/${f}`,
  ipx: (f, fmt) => `/s_512x512,fit_inside,f_${fmt}${QUALITY[fmt] ? `,q_${QUALITY[fmt]}` : ''}/${ORIGIN}/${f}`,
  nginx: (f, fmt) => `/${fmt}/${f}.${EXT[fmt]}`,
};

// ---------------------------------------------------------------------------------------------
// the run

async function main() {
  for (const port of [cfg.port, PORT, METRICS_PORT]) await assertPortFree(port);
  mkdirSync(RUN, { recursive: true });
  rmSync(FS_ROOT, { recursive: true, force: true });
  for (const f of readdirSync(RUN)) if (f.endsWith('.log')) rmSync(join(RUN, f));
  const manifestPath = await buildCorpus(CACHE_DIR);
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  const sources = await cycleOrder(
    dirname(manifestPath),
    manifest.files.filter((f) => /^[jpw]\d+\./.test(f.name)).map((f) => f.name),
  );
  const pathsFor = (urlOf, formats = cfg.formats, files = sources) =>
    formats.flatMap((fmt) => files.map((f) => urlOf(f, fmt)));

  const t0 = Date.now();
  log(`corpus: ${sources.length} sources; ${QUICK ? 'quick' : 'full'} run`, JSON.stringify(cfg));
  log(`cycle: ${sources.join(' ')}`);
  const origin = await startOrigin();
  const results = [];
  const record = (r) => {
    results.push(r);
    log(
      `${r.part} ${r.server} ${r.format} c${r.c}${r.round ? ` r${r.round}` : ''}: ${(r.requests / (r.duration_us / 1e6)).toFixed(1)} req/s, p50 ${(r.p50_us / 1000).toFixed(1)} ms, p99 ${(r.p99_us / 1000).toFixed(1)} ms, ${r.errors} errors, ${(r.rssKb / 1024).toFixed(0)} MB, ${((1000 * r.cpuSeconds) / Math.max(1, r.requests)).toFixed(2)} CPU ms/req${r.foreign >= QUIET_CORES ? `, others used ${r.foreign.toFixed(2)} cores` : ''}`,
    );
  };

  let memoryTier = false;
  if (cfg.parts.includes('hit')) {
    await prepareHits(pathsFor);
    memoryTier = await probeMemoryTier();
    log(`memory tier: ${memoryTier ? 'present' : 'not present (its rows say n/a)'}`);
  }

  const missServers = [...Object.keys(VARIANTS), ...list('BENCH_REFERENCES', 'reference,ipx')];
  const hitServers = [
    'tintype-fs',
    'tintype-fs-1p',
    ...(memoryTier ? ['tintype-mem', 'tintype-mem-1p'] : []),
    'node-static',
    'nginx',
  ];
  for (let round = 1; round <= cfg.rounds; round++) {
    if (cfg.parts.includes('miss')) {
      for (const name of rotate(missServers, round - 1)) {
        const spec = name === 'reference' ? reference() : name === 'ipx' ? ipx() : tintype(name, 'miss');
        const urlOf = name === 'reference' ? URLS.reference : name === 'ipx' ? URLS.ipx : URLS.tintypeMiss;
        await runServer(name, spec, async (server) => {
          await loopCell(server, pathsFor(urlOf), 16, 0, cfg.warmup);
          for (const format of cfg.formats) {
            for (const c of cfg.concurrency) {
              const r = await loopCell(server, pathsFor(urlOf, [format]), c, perRound);
              record({ part: 'miss', server: name, format, c, round, ...r });
            }
          }
        });
      }
    }
    if (cfg.parts.includes('hit')) {
      for (const name of rotate(hitServers, round - 1)) {
        const spec =
          name === 'nginx'
            ? nginxConf('nginx-hits', join(RUN, 'results'), PORT, 'auto')
            : name === 'node-static'
              ? nodeStatic()
              : tintype(
                  name.endsWith('-1p') ? ONE_PROCESS : 'tintype',
                  name.startsWith('tintype-mem') ? 'mem' : 'fs',
                );
        const urlOf = name === 'nginx' || name === 'node-static' ? URLS.nginx : URLS.tintypeHit;
        await runServer(name, spec, async (server) => {
          await prime(pathsFor(urlOf));
          // Primed already: the warm-up only has to let the JIT settle.
          await wrk(pathsFor(urlOf), 16, Math.min(2, cfg.warmup));
          for (const format of cfg.formats) {
            for (const c of cfg.concurrency) {
              const r = await wrkCell(server, pathsFor(urlOf, [format]), c, perRound);
              record({ part: 'hit', server: name, format, c, round, ...r });
            }
          }
        });
      }
    }
  }

  if (cfg.parts.includes('scale')) {
    for (const name of ['tintype', 'reference']) {
      const spec = name === 'reference' ? reference() : tintype('tintype', 'miss');
      const urlOf = name === 'reference' ? URLS.reference : URLS.tintypeMiss;
      await runServer(`${name}-scale`, spec, async (server) => {
        await loopCell(server, pathsFor(urlOf, [cfg.scaleFormat]), 16, 0, cfg.warmup);
        for (const c of cfg.scaleConcurrency) {
          const r = await loopCell(server, pathsFor(urlOf, [cfg.scaleFormat]), c, cfg.scaleMeasure);
          record({ part: 'scale-c', server: name, format: cfg.scaleFormat, c, source: 'corpus', ...r });
        }
        for (const source of ['s01.jpg', 's06.jpg', 's20.jpg']) {
          const c = cfg.scaleSourceConcurrency;
          const r = await loopCell(server, pathsFor(urlOf, [cfg.scaleFormat], [source]), c, cfg.scaleMeasure);
          record({ part: 'scale-src', server: name, format: cfg.scaleFormat, c, source, ...r });
        }
      });
    }
  }
  await stopServer(origin);

  const run = {
    cfg,
    variants: VARIANTS,
    memoryTier,
    elapsed: Math.round((Date.now() - t0) / 1000),
    finished: new Date().toISOString(),
    machine: machine(manifest, sources),
    megapixels: Object.fromEntries(manifest.files.map((f) => [f.name, mpOf(manifest, f.name)])),
    results,
  };
  const report = renderReport(run);
  const stamp = run.finished.replace(/[:.]/g, '-').slice(0, 19);
  const outDir = join(REPO, 'bench-results');
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, `bench-${stamp}.json`), JSON.stringify(run, null, 1));
  writeFileSync(join(outDir, `bench-${stamp}.md`), report);
  if (cfg.doc) writeDoc(report);
  console.log(report);
  log(`done in ${run.elapsed} s; raw results in bench-results/bench-${stamp}.json`);
}

async function runServer(name, spec, body) {
  log(`start ${name}`);
  const server = await startServer(name, spec);
  try {
    await body(server);
  } finally {
    await stopServer(server);
  }
}

/** Throws when something listens on 127.0.0.1:`port` already: another bench run would answer for ours. */
async function assertPortFree(port) {
  const probe = createNetServer();
  await new Promise((resolve, reject) => {
    probe.once('error', () =>
      reject(new Error(`127.0.0.1:${port} is taken: is another bench running? (BENCH_PORT)`)),
    );
    probe.listen(port, '127.0.0.1', resolve);
  });
  await new Promise((resolve) => probe.close(resolve));
}

async function startOrigin() {
  const spec = nginxConf('origin', join(CACHE_DIR, 'corpus'), cfg.port, 1);
  const p = spawn(spec.cmd[0], spec.cmd.slice(1), { stdio: ['ignore', 'ignore', 'inherit'] });
  started.add(p);
  for (let i = 0; ; i++) {
    // An nginx that cannot bind exits; another server on the port would answer in its place.
    if (p.exitCode !== null)
      throw new Error(`origin nginx exited: is 127.0.0.1:${cfg.port} taken? (BENCH_PORT)`);
    try {
      await fetch(`${ORIGIN}/manifest.json`).then((r) => r.arrayBuffer());
      if (i > 2) break;
    } catch {
      if (i > 100) throw new Error('origin nginx did not start');
    }
    await sleep(100);
  }
  originPids = [p.pid];
  return { name: 'origin', procs: [p], pids: [p.pid] };
}

/** Fills Tintype's fs cache once per run, and puts the same result bytes where nginx serves them. */
async function prepareHits(pathsFor) {
  log('prepare hits: filling the fs cache and the static copies');
  const spec = tintype('tintype', 'fs');
  await runServer('tintype-prepare', spec, async () => {
    for (const fmt of cfg.formats) {
      const dir = join(RUN, 'results', fmt);
      mkdirSync(dir, { recursive: true });
      await parallel(4, sourcesOf(pathsFor), async (f) => {
        const res = await fetch(`${TARGET}${URLS.tintypeHit(f, fmt)}`);
        if (res.status !== 200) throw new Error(`prepare ${f}@${fmt}: ${res.status}`);
        writeFileSync(join(dir, `${f}.${EXT[fmt]}`), Buffer.from(await res.arrayBuffer()));
      });
    }
    await sleep(1000); // cache writes land after the response
  });
}

const sourcesOf = (pathsFor) => pathsFor((f) => f, [cfg.formats[0]]);

/** Asks once for every URL (the memory tier fills from the fs cache). */
async function prime(paths) {
  await parallel(4, paths, async (p) => {
    const res = await fetch(`${TARGET}${p}`);
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`prime ${p}: ${res.status}`);
  });
}

/** Whether this build has the memory tier: its hits show in the Prometheus counters. */
async function probeMemoryTier() {
  const spec = tintype('tintype', 'mem', { IMGPROXY_PROMETHEUS_BIND: `127.0.0.1:${METRICS_PORT}` });
  let hits = 0;
  await runServer('tintype-probe', spec, async () => {
    const url = `${TARGET}${URLS.tintypeHit('j20.jpg', cfg.formats[0])}`;
    for (let i = 0; i < 3; i++) await fetch(url).then((r) => r.arrayBuffer());
    // The metrics listener opens once every process of the server listens: wait for it.
    let text = '';
    for (let i = 0; i < 100 && !text; i++) {
      text = await fetch(`http://127.0.0.1:${METRICS_PORT}/metrics`)
        .then((r) => (r.ok ? r.text() : ''))
        .catch(() => sleep(100).then(() => ''));
    }
    const m = /cache_hits_total\{backend="memory"\} (\d+)/.exec(text);
    hits = m ? Number(m[1]) : 0;
  }).catch((e) => log(`memory-tier probe failed: ${e.message}`));
  return hits > 0;
}

async function parallel(n, items, fn) {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (queue.length) await fn(queue.shift());
    }),
  );
}

const rotate = (a, k) => a.map((_, i) => a[(i + k) % a.length]);

// ---------------------------------------------------------------------------------------------
// report

function combine(rows) {
  const requests = rows.reduce((s, r) => s + r.requests, 0);
  const seconds = rows.reduce((s, r) => s + r.duration_us, 0) / 1e6;
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
  return {
    rps: requests / seconds,
    p50: median(rows.map((r) => r.p50_us)) / 1000,
    p99: median(rows.map((r) => r.p99_us)) / 1000,
    errors: rows.reduce((s, r) => s + r.errors, 0),
    rssMb: Math.max(...rows.map((r) => r.rssKb)) / 1024,
    kb: rows.reduce((s, r) => s + r.bytes, 0) / Math.max(1, requests) / 1024,
    foreign: Math.max(...rows.map((r) => r.foreign ?? 0)),
    cpuMs: (1000 * rows.reduce((s, r) => s + (r.cpuSeconds ?? 0), 0)) / Math.max(1, requests),
    n: rows.length,
  };
}

const fx = (x, d = 1) => (x === undefined || Number.isNaN(x) ? 'n/a' : x.toFixed(d));
const rpsText = (x) => (x >= 1000 ? x.toFixed(0) : fx(x, 1));
let contended = false;
/** req/s, marked when other processes used the machine during the cell. */
const rpsCell = (s) => {
  if (s.foreign < QUIET_CORES) return rpsText(s.rps);
  contended = true;
  return `${rpsText(s.rps)} †`;
};

function renderReport({ results, memoryTier, elapsed, finished, machine: machineText, megapixels }) {
  const perRound = Math.max(1, Math.round(cfg.measure / cfg.rounds));
  const pick = (part, server, format, c, extra = () => true) =>
    results.filter(
      (r) => r.part === part && r.server === server && r.format === format && r.c === c && extra(r),
    );
  const out = [];
  const line = (s = '') => out.push(s);

  line(
    `Run: ${finished.slice(0, 16).replace('T', ' ')} UTC, ${cfg.quick ? 'quick' : 'full'} mode, ${elapsed} s.`,
  );
  line(
    `Per cell: ${cfg.warmup} s warm-up per server start, ${cfg.settle} s settling, ${perRound * cfg.rounds} s measured (${cfg.rounds} round${cfg.rounds > 1 ? 's' : ''} of ${perRound} s, servers interleaved).`,
  );
  line();
  line(machineText);
  line();
  const tintypeNames = Object.keys(VARIANTS);
  const targets = [];

  if (results.some((r) => r.part === 'miss')) {
    line('### Misses (cache off), resize to fit 512x512');
    line();
    line(
      '| output | c | server | req/s | × ref | p50 ms | p99 ms | errors | peak RSS MB | RSS × ref | CPU ms/req | KB/resp |',
    );
    line('|---|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|');
    for (const format of cfg.formats) {
      for (const c of cfg.concurrency) {
        const ref = combine(pick('miss', 'reference', format, c));
        for (const server of [...tintypeNames, 'reference', 'ipx']) {
          const rows = pick('miss', server, format, c);
          if (!rows.length) continue;
          const s = combine(rows);
          line(
            `| ${format} | ${c} | ${server} | ${rpsCell(s)} | ${fx(s.rps / ref.rps, 2)} | ${fx(s.p50)} | ${fx(s.p99)} | ${s.errors} | ${fx(s.rssMb, 0)} | ${fx(s.rssMb / ref.rssMb, 2)} | ${fx(s.cpuMs)} | ${fx(s.kb)} |`,
          );
          if (server === 'tintype') {
            targets.push({
              t: 'miss req/s ≥ 1.1× reference',
              ok: s.rps >= 1.1 * ref.rps,
              v: `${format} c${c}: ${fx(s.rps / ref.rps, 2)}×`,
            });
            targets.push({
              t: 'miss p99 ≤ reference p99',
              ok: s.p99 <= ref.p99,
              v: `${format} c${c}: ${fx(s.p99, 0)} vs ${fx(ref.p99, 0)} ms`,
            });
            if (c === 16)
              targets.push({
                t: 'miss peak RSS at c16 ≤ 0.5× reference',
                ok: s.rssMb <= 0.5 * ref.rssMb,
                v: `${format}: ${fx(s.rssMb / ref.rssMb, 2)}×`,
              });
          }
        }
      }
    }
    line();
  }

  if (results.some((r) => r.part === 'hit')) {
    line('### Hits, the same result bytes');
    line();
    line(
      '| output | c | server | req/s | × nginx | p50 ms | p99 ms | errors | peak RSS MB | CPU µs/req | KB/resp |',
    );
    line('|---|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|');
    for (const format of cfg.formats) {
      for (const c of cfg.concurrency) {
        const ng = combine(pick('hit', 'nginx', format, c));
        for (const server of [
          'tintype-fs',
          'tintype-mem',
          'tintype-fs-1p',
          'tintype-mem-1p',
          'node-static',
          'nginx',
        ]) {
          const rows = pick('hit', server, format, c);
          if (!rows.length) {
            if (server === 'tintype-mem')
              line(`| ${format} | ${c} | ${server} | n/a | n/a | n/a | n/a | n/a | n/a | n/a | n/a |`);
            continue;
          }
          const s = combine(rows);
          line(
            `| ${format} | ${c} | ${server} | ${rpsCell(s)} | ${fx(s.rps / ng.rps, 2)} | ${fx(s.p50, 2)} | ${fx(s.p99, 2)} | ${s.errors} | ${fx(s.rssMb, 0)} | ${fx(s.cpuMs * 1000, 0)} | ${fx(s.kb)} |`,
          );
          if (server === 'tintype-fs') {
            targets.push({
              t: 'fs hit req/s ≥ 0.25× nginx',
              ok: s.rps >= 0.25 * ng.rps,
              v: `${format} c${c}: ${fx(s.rps / ng.rps, 2)}×`,
            });
            if (c === 16)
              targets.push({
                t: 'fs hit p99 < 10 ms at c16',
                ok: s.p99 < 10,
                v: `${format}: ${fx(s.p99, 1)} ms`,
              });
          }
          if (server === 'tintype-mem') {
            targets.push({
              t: 'memory hit req/s ≥ 0.35× nginx',
              ok: s.rps >= 0.35 * ng.rps,
              v: `${format} c${c}: ${fx(s.rps / ng.rps, 2)}×`,
            });
          }
        }
      }
    }
    if (!memoryTier)
      targets.push({ t: 'memory hit req/s ≥ 0.35× nginx', ok: false, v: 'no memory tier in this build' });
    line();
  }

  if (results.some((r) => r.part.startsWith('scale'))) {
    line(
      `### How cost grows (misses, ${cfg.scaleFormat} output, one round of ${cfg.scaleMeasure} s per cell)`,
    );
    line();
    line(
      '| source | c | Tintype req/s | CPU ms/req | p99 ms | errors | peak RSS MB | reference req/s | CPU ms/req | p99 ms | errors | peak RSS MB |',
    );
    line('|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|');
    const scaleRow = (part, source, c) => {
      const cells = ['tintype', 'reference'].map((server) => {
        const rows = results.filter(
          (r) => r.part === part && r.server === server && r.c === c && r.source === source,
        );
        if (!rows.length) return 'n/a | n/a | n/a | n/a | n/a';
        const s = combine(rows);
        return `${rpsCell(s)} | ${fx(s.cpuMs)} | ${fx(s.p99, 0)} | ${s.errors} | ${fx(s.rssMb, 0)}`;
      });
      const label = source === 'corpus' ? 'the corpus' : `${source} (${megapixels[source]} MP)`;
      line(`| ${label} | ${c} | ${cells.join(' | ')} |`);
    };
    for (const c of cfg.scaleConcurrency) scaleRow('scale-c', 'corpus', c);
    for (const s of ['s01.jpg', 's06.jpg', 's20.jpg']) scaleRow('scale-src', s, cfg.scaleSourceConcurrency);
    line();
  }

  if (targets.length) {
    line('### Targets');
    line();
    line('| target | held | worst case |');
    line('|---|---|---|');
    const names = [...new Set(targets.map((t) => t.t))];
    for (const name of names) {
      const ts = targets.filter((t) => t.t === name);
      const failed = ts.filter((t) => !t.ok);
      line(
        `| ${name} | ${failed.length ? `no (${failed.length}/${ts.length} cells)` : 'yes'} | ${(failed.length ? failed : ts).map((t) => t.v).join('; ')} |`,
      );
    }
    line();
  }
  if (Object.keys(VARIANTS).length > 1) {
    line('Tintype launches compared:');
    line();
    for (const [name, v] of Object.entries(VARIANTS)) line(`- \`${name}\`: ${JSON.stringify(v)}`);
    line();
  }
  if (contended) {
    line(
      `† Other processes on the machine used ${QUIET_CORES} cores or more during at least one round of this cell (the bench waits for a quiet second before each cell, but cannot stop others).\n`,
    );
  }
  const extra = process.env.BENCH_TINTYPE_ENV;
  if (extra) line(`Every Tintype ran with \`${extra}\`.\n`);
  return out.join('\n');
}

const mpOf = (manifest, name) => {
  const f = manifest.files.find((x) => x.name === name);
  return ((f.width * f.height) / 1e6).toFixed(1);
};

function machine(manifest, sources) {
  // Some tools print their version on stderr (nginx), or exit non-zero after printing it (wrk).
  const run = (cmd, args) => {
    const r = spawnSync(cmd, args, { encoding: 'utf8' });
    return `${r.stdout ?? ''}${r.stderr ?? ''}`.trim();
  };
  const version = (dir, pkg) => {
    try {
      return JSON.parse(readFileSync(join(dir, 'node_modules', pkg, 'package.json'), 'utf8')).version;
    } catch {
      return '?';
    }
  };
  const sharpDir = join(REPO, 'packages/pipeline');
  const vips = createRequire(join(BENCH, 'run.mjs'))('sharp').versions.vips;
  const commit = run('git', ['-C', REPO, 'rev-parse', '--short', 'HEAD']);
  const dirty = run('git', ['-C', REPO, 'status', '--porcelain', '--', 'apps', 'packages'])
    ? ' + uncommitted changes'
    : '';
  const mp = sources.map((s) => mpOf(manifest, s));
  return [
    `Machine: ${cpus()[0].model}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Linux ${run('uname', ['-r'])}.`,
    `Versions: Node ${process.version}; Tintype ${commit}${dirty} (sharp ${version(sharpDir, 'sharp')}); reference: sharp ${version(BENCH, 'sharp')}, undici ${version(BENCH, 'undici')} (libvips ${vips || '?'}); ipx ${version(BENCH, 'ipx')} (on the same sharp); ${run('nginx', ['-v']).replace('nginx version: ', '')}; ${run('wrk', ['-v']).split('\n')[0].split(' [')[0]}.`,
    `Tintype runs as \`pnpm start\` runs it (scripts/serve.sh), on ${tintypeAllocator ?? '?'}.`,
    `Corpus: ${sources.length} sources (${sources.filter((s) => s.endsWith('.jpg')).length} JPEG photographs of ${Math.min(...mp)}–${Math.max(...mp)} MP from ${manifest.packages.join(', ')}, and PNG and WebP copies of the five smallest), served by nginx on loopback.`,
  ].join('\n');
}

function writeDoc(report) {
  const doc = join(REPO, 'docs/benchmarks.md');
  const begin = '<!-- bench:begin (written by `pnpm bench`) -->';
  const end = '<!-- bench:end -->';
  let text;
  try {
    text = readFileSync(doc, 'utf8');
  } catch {
    text = `# Benchmarks\n\n${begin}\n${end}\n`;
  }
  const a = text.indexOf(begin);
  const b = text.indexOf(end);
  if (a < 0 || b < a) text = `${text.trimEnd()}\n\n${begin}\n${end}\n`;
  const i = text.indexOf(begin) + begin.length;
  const j = text.indexOf(end);
  writeFileSync(doc, `${text.slice(0, i)}\n${report}\n${text.slice(j)}`);
  log(`wrote ${doc}`);
}

/** `node bench/run.mjs --report bench-results/<run>.json`: the tables of a past run again (BENCH_DOC=1 writes them). */
async function reportOnly(file) {
  const run = JSON.parse(readFileSync(file, 'utf8'));
  Object.assign(cfg, run.cfg, { doc: process.env.BENCH_DOC === '1' });
  Object.assign(VARIANTS, run.variants);
  const report = renderReport(run);
  if (cfg.doc) writeDoc(report);
  console.log(report);
}

(process.argv[2] === '--report' ? reportOnly(process.argv[3]) : main()).catch((e) => {
  console.error(e);
  process.exit(1);
});
