import { TintypeError } from '@tintype/url';

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

function once(fn: () => void): () => void {
  let done = false;
  return () => {
    if (!done) {
      done = true;
      fn();
    }
  };
}
