import { availableParallelism } from 'node:os';
import { TintypeError } from '@tintype/url';
import type { Config } from './config/index.js';

export const queueFull = () =>
  new TintypeError({ code: 'QUEUE_FULL', status: 429, publicMessage: 'Too many requests', report: false });

export const requestTimeout = () =>
  new TintypeError({ code: 'TIMEOUT', status: 503, publicMessage: 'Timeout', report: false });

/**
 * Bounds concurrent image work (IMGPROXY_WORKERS) and how many requests may wait for it
 * (IMGPROXY_REQUESTS_QUEUE_SIZE, 0 = unbounded). A waiter whose signal aborts (the request
 * deadline, a client that left) leaves the queue without taking a slot. With a `budget`, each
 * holder also declares what it will hold (bytes): work waits while the declared sum would pass the
 * budget, unless nothing else runs (so one image larger than the budget still goes). Waiters are
 * served in order: a large image at the head is not overtaken, so it cannot starve.
 */
export function createLimiter(workers: number, queueSize: number, budget = Number.POSITIVE_INFINITY) {
  let active = 0;
  let held = 0;
  const waiting: { bytes: number; grant: () => void }[] = [];

  const fits = (bytes: number) => active < workers && (active === 0 || held + bytes <= budget);
  const grantWaiters = () => {
    while (waiting.length > 0 && fits(waiting[0]!.bytes)) waiting.shift()!.grant();
  };
  const take = (bytes: number) => {
    active++;
    held += bytes;
    return once(() => {
      active--;
      held -= bytes;
      grantWaiters();
    });
  };

  async function acquire(signal?: AbortSignal, bytes = 0): Promise<() => void> {
    if (signal?.aborted) throw requestTimeout();
    if (waiting.length === 0 && fits(bytes)) return take(bytes);
    if (queueSize > 0 && waiting.length >= queueSize) throw queueFull();
    return new Promise((resolve, reject) => {
      const entry = {
        bytes,
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve(take(bytes));
        },
      };
      const onAbort = () => {
        const i = waiting.indexOf(entry);
        if (i >= 0) waiting.splice(i, 1);
        reject(requestTimeout());
        // A large image that left the head may have held back smaller ones behind it.
        grantWaiters();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      waiting.push(entry);
    });
  }

  return {
    acquire,
    get active() {
      return active;
    },
    get queued() {
      return waiting.length;
    },
    /** Bytes the holders declared. */
    get held() {
      return held;
    },
    workers,
  };
}

export type Limiter = ReturnType<typeof createLimiter>;

/** Runs `work` holding a slot of `limiter` (and `bytes` of its budget), given back when the work really ends. */
export async function holding<T>(
  limiter: Limiter,
  signal: AbortSignal,
  work: () => Promise<T>,
  bytes = 0,
): Promise<T> {
  const release = await limiter.acquire(signal, bytes);
  try {
    return await work();
  } finally {
    release();
  }
}

/**
 * IMGPROXY_PIXEL_WORKERS, 0 resolved: one per CPU. Why a second bound inside IMGPROXY_WORKERS:
 * sharp runs each image on one libvips thread here, so images beyond the number of cores only take
 * turns on them, each holding its decoded pixels meanwhile, and the reads and writes of the thread
 * pool wait behind them. Why not more on tcmalloc (docs/benchmarks.md, 2026-12-03): 1.5 per CPU
 * gave 0.98–1.07x the req/s of one per CPU in nine paired runs, median 1.03x, for 8–22 % more
 * peak RSS, which took the full run over half the bare sharp server's peak (0.44–0.52x, against
 * 0.33–0.38x).
 */
export const pixelWorkers = (config: Pick<Config, 'IMGPROXY_PIXEL_WORKERS'>) =>
  config.IMGPROXY_PIXEL_WORKERS || availableParallelism();

/**
 * IMGPROXY_PIXEL_WORKERS_MEMORY in bytes; 0 = no budget (Infinity). What one image holds while
 * decoded spans 50x (bench/decode-memory.mjs: 2–3 MB for a baseline JPEG of any size, 98 MB for a
 * 16.7 MP progressive 4:4:4 one), so the count alone bounds the peak only at its worst case. Off by
 * default because the bound is paid in throughput where it bites (measured with three images in
 * sharp, IMGPROXY_PIXEL_WORKERS=3 on 2 CPUs): four loops of 24 MP progressive 4:4:4 JPEGs (144 MB each, estimated) ran at 3.0 req/s in 265 MB with 192 MB, and at 5.6 req/s in
 * 554 MB without; on the bench corpus, 128 MB cost 12 % of the misses per second.
 */
export const pixelMemory = (config: Pick<Config, 'IMGPROXY_PIXEL_WORKERS_MEMORY'>) =>
  config.IMGPROXY_PIXEL_WORKERS_MEMORY * 1024 * 1024 || Number.POSITIVE_INFINITY;

function once(fn: () => void): () => void {
  let done = false;
  return () => {
    if (!done) {
      done = true;
      fn();
    }
  };
}
