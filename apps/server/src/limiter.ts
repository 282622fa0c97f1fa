import { availableParallelism } from 'node:os';
import { TintypeError } from '@tintype/url';
import { type Allocator, allocator } from './allocator.js';
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
    budget,
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
 * IMGPROXY_PIXEL_WORKERS, 0 resolved: one per CPU on glibc's malloc, one and a half per CPU
 * (rounded up) on tcmalloc. Why a second bound inside IMGPROXY_WORKERS: sharp runs each image on
 * one libvips thread here, so images beyond the number of cores only take turns on them, each
 * holding its decoded pixels meanwhile, and the reads and writes of the thread pool wait behind
 * them. Why half a core more on tcmalloc: one image does not fill its core through a long encode
 * (PNG, AVIF), and on tcmalloc the third image costs little memory. Measured (docs/benchmarks.md,
 * paired runs on 2 CPUs): 3 against 2 gave 1.025–1.07x req/s for 9–14 % more peak RSS (463–471
 * MB) on tcmalloc; on glibc's malloc the same 3 reached 589 MB (JPEG c4).
 */
export const pixelWorkers = (
  config: Pick<Config, 'IMGPROXY_PIXEL_WORKERS'>,
  malloc: Allocator = allocator(),
) => config.IMGPROXY_PIXEL_WORKERS || Math.ceil(availableParallelism() * (malloc === 'tcmalloc' ? 1.5 : 1));

/**
 * IMGPROXY_PIXEL_WORKERS_MEMORY in bytes, 0 resolved: 64 MB per CPU. Why a memory budget besides
 * the count: what one image holds while decoded spans 30x (bench/decode-memory.mjs: 2–3 MB for
 * a baseline JPEG of any size, 98 MB for a 16.7 MP progressive 4:4:4 one), so a count alone bounds
 * the peak only at its worst case (three of the largest at once). 64 MB per CPU lets the largest
 * corpus photograph run beside small ones, not beside a second large one.
 */
export const pixelMemory = (config: Pick<Config, 'IMGPROXY_PIXEL_WORKERS_MEMORY'>) =>
  (config.IMGPROXY_PIXEL_WORKERS_MEMORY || 64 * availableParallelism()) * 1024 * 1024;

function once(fn: () => void): () => void {
  let done = false;
  return () => {
    if (!done) {
      done = true;
      fn();
    }
  };
}
