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
 * deadline, a client that left) leaves the queue without taking a slot.
 */
export function createLimiter(workers: number, queueSize: number) {
  let active = 0;
  const waiting: { grant: () => void; signal?: AbortSignal }[] = [];

  const release = () => {
    active--;
    const next = waiting.shift();
    if (next) next.grant();
  };

  async function acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) throw requestTimeout();
    if (active < workers) {
      active++;
      return once(release);
    }
    if (queueSize > 0 && waiting.length >= queueSize) throw queueFull();
    return new Promise((resolve, reject) => {
      const entry = {
        signal,
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          active++;
          resolve(once(release));
        },
      };
      const onAbort = () => {
        const i = waiting.indexOf(entry);
        if (i >= 0) waiting.splice(i, 1);
        reject(requestTimeout());
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
    workers,
  };
}

export type Limiter = ReturnType<typeof createLimiter>;

/** Runs `work` holding a slot of `limiter`, given back when the work really ends. */
export async function holding<T>(limiter: Limiter, signal: AbortSignal, work: () => Promise<T>): Promise<T> {
  const release = await limiter.acquire(signal);
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

function once(fn: () => void): () => void {
  let done = false;
  return () => {
    if (!done) {
      done = true;
      fn();
    }
  };
}
