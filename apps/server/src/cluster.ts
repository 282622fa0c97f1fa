import cluster, { type Worker } from 'node:cluster';
import { availableParallelism } from 'node:os';
import type { Config } from './config/index.js';
import { pixelWorkers } from './limiter.js';
import type { Logger } from './logger.js';
import { startClusterMetrics } from './metrics/server.js';

/**
 * IMGPROXY_PROCESSES: several processes serve the one port through node:cluster, so that the main
 * thread, which bounds cache hits (parse, look up, write the bytes), is not one core for the whole
 * machine. imgproxy (Go) uses every core in one process; IMGPROXY_SO_REUSEPORT, its way to run
 * several, needs Node 22.12 for `reusePort`. The primary accepts connections and hands them out
 * (round robin); it processes nothing itself, serves the Prometheus metrics of all workers
 * together, relays purges, and replaces a worker that dies.
 */
export function processCount(config: Pick<Config, 'IMGPROXY_PROCESSES' | 'IMGPROXY_CACHE_USE'>): number {
  if (config.IMGPROXY_PROCESSES > 0) return config.IMGPROXY_PROCESSES;
  // Why only with the cache: image work already runs on every core (IMGPROXY_WORKERS threads), so
  // without hits a second process adds only its memory (about 200 MB under load, measured).
  return config.IMGPROXY_CACHE_USE ? availableParallelism() : 1;
}

/**
 * One worker's share of the limits that bound the whole server, so that N processes together
 * keep them: images at once, waiting requests, connections, and the memory of the two LRUs.
 */
export function workerShare(config: Config, processes: number): Config {
  const share = (n: number, min: number) => (n > 0 ? Math.max(min, Math.ceil(n / processes)) : n);
  return Object.freeze({
    ...config,
    IMGPROXY_WORKERS: share(config.IMGPROXY_WORKERS, 1),
    IMGPROXY_PIXEL_WORKERS: share(pixelWorkers(config), 1),
    IMGPROXY_PIXEL_WORKERS_MEMORY: share(config.IMGPROXY_PIXEL_WORKERS_MEMORY, 1),
    IMGPROXY_REQUESTS_QUEUE_SIZE: share(config.IMGPROXY_REQUESTS_QUEUE_SIZE, 1),
    IMGPROXY_MAX_CLIENTS: share(config.IMGPROXY_MAX_CLIENTS, 1),
    IMGPROXY_CACHE_MEMORY_SIZE: share(config.IMGPROXY_CACHE_MEMORY_SIZE, 1),
    IMGPROXY_CACHE_SOURCE_SIZE: share(config.IMGPROXY_CACHE_SOURCE_SIZE, 1),
  });
}

/** What a worker tells the others: drop what you keep in memory of this source (a purge ran). */
export interface ForgetMessage {
  type: 'tintype:forget';
  sourceUrl: string;
  /** Cache key prefixes (a whole source) and single keys to drop from the memory tier. */
  prefixes: string[];
  keys: string[];
}

const isForget = (m: unknown): m is ForgetMessage => (m as ForgetMessage | null)?.type === 'tintype:forget';

/** Sends a message to the other processes of this server; nothing when it runs alone. */
export function tellPeers(message: ForgetMessage): void {
  if (cluster.isWorker) process.send?.(message);
}

/** Calls `handler` with what other processes of this server send; returns the unsubscribe. */
export function onPeerMessage(handler: (m: ForgetMessage) => void): () => void {
  if (!cluster.isWorker) return () => {};
  const listener = (m: unknown) => {
    if (isForget(m)) handler(m);
  };
  process.on('message', listener);
  return () => process.off('message', listener);
}

/**
 * The primary: forks the workers (each runs `serve` as a single process would, with its share),
 * and stops them all on SIGTERM/SIGINT, each with its own graceful stop. A worker that dies after
 * it started listening is replaced; one that dies before (a bad bind, say) stops the server.
 */
export async function runPrimary(config: Config, log: Logger, processes: number): Promise<void> {
  let stopping = false;
  const listening = new WeakSet<Worker>();
  const workers = () =>
    Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined && !w.isDead());

  // The metrics listener opens once every worker listens: prom-client asks them all, and one still
  // starting would not answer.
  let metrics: { stop(): Promise<void> } = { stop: async () => {} };
  let started = 0;
  const stop = (code: number) => {
    if (stopping) return;
    stopping = true;
    for (const w of workers()) w.process.kill('SIGTERM');
    if (workers().length === 0) void metrics.stop().then(() => process.exit(code));
    else process.exitCode = code;
  };

  cluster.on('listening', (w) => {
    listening.add(w);
    if (++started !== processes) return;
    startClusterMetrics(config, log).then(
      (m) => {
        metrics = m;
      },
      (e) => {
        log.error({ err: e }, 'Cannot serve the metrics');
        stop(1);
      },
    );
  });
  cluster.on('message', (from, message) => {
    if (!isForget(message)) return;
    for (const w of workers()) if (w !== from && w.isConnected()) w.send(message);
  });
  cluster.on('exit', (w, code, signal) => {
    if (stopping) {
      if (workers().length === 0) void metrics.stop().then(() => process.exit());
      return;
    }
    if (!listening.has(w)) {
      log.error({ pid: w.process.pid, code, signal }, 'A server process failed to start; stopping');
      stop(code || 1);
      return;
    }
    log.error({ pid: w.process.pid, code, signal }, 'A server process died; starting another');
    cluster.fork();
  });
  process.once('SIGTERM', () => stop(0));
  process.once('SIGINT', () => stop(0));
  for (let i = 0; i < processes; i++) cluster.fork();
  log.info({ processes }, `Tintype serving with ${processes} processes`);
}
