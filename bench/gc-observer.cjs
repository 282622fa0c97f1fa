// Preload (`NODE_OPTIONS=--require=bench/gc-observer.cjs`; --trace-gc is not allowed there) to
// see what V8's collector costs a server under load: every 5 s one JSON line on stdout with the
// count and main-thread milliseconds of each kind of collection since start, user CPU, heap used
// and the event loop's utilisation over the last 5 s. With miss-ab.mjs and LOGS=<dir>:
//   LOGS=/tmp/gc node bench/miss-ab.mjs tintype:NODE_OPTIONS=--require=$PWD/bench/gc-observer.cjs \
//     reference:NODE_OPTIONS=--require=$PWD/bench/gc-observer.cjs
const { PerformanceObserver, constants, performance } = require('node:perf_hooks');

const kinds = {
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};
const gc = {};
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    // A collection V8 made because memory outside its heap (Buffers) grew counts apart.
    const external = entry.detail?.flags & constants.NODE_PERFORMANCE_GC_FLAGS_ALL_EXTERNAL_MEMORY;
    const kind = `${kinds[entry.detail?.kind] ?? 'other'}${external ? '-external' : ''}`;
    gc[kind] ??= { n: 0, ms: 0 };
    gc[kind].n++;
    gc[kind].ms = Math.round((gc[kind].ms + entry.duration) * 10) / 10;
  }
}).observe({ entryTypes: ['gc'] });

let elu = performance.eventLoopUtilization();
setInterval(() => {
  const now = performance.eventLoopUtilization();
  const line = {
    s: Math.round(performance.now() / 1000),
    gc,
    userCpuMs: Math.round(process.cpuUsage().user / 1000),
    heapMB: Math.round(process.memoryUsage().heapUsed / 1e6),
    arrayBuffersMB: Math.round(process.memoryUsage().arrayBuffers / 1e6),
    eventLoop: Number(performance.eventLoopUtilization(now, elu).utilization.toFixed(3)),
  };
  elu = now;
  process.stdout.write(`${JSON.stringify(line)}\n`);
}, 5000).unref();
