/**
 * Identical work in flight is done once (STYLE #9): a per-key map of promises. Every caller with
 * the same key while the job runs gets the same result; when the job settles the key is forgotten,
 * so a failed job is retried by the next caller rather than remembered.
 */
export interface Coalescer<T> {
  /** Runs `job` unless one is already running for `key`; `onJoin` is called for each caller that joins. */
  run(key: string, job: () => Promise<T>, onJoin?: () => void): Promise<T>;
  readonly size: number;
}

export function createCoalescer<T>(): Coalescer<T> {
  const inflight = new Map<string, Promise<T>>();
  return {
    run(key, job, onJoin) {
      const running = inflight.get(key);
      if (running) {
        onJoin?.();
        return running;
      }
      const p = Promise.resolve()
        .then(job)
        .finally(() => inflight.delete(key));
      inflight.set(key, p);
      return p;
    },
    get size() {
      return inflight.size;
    },
  };
}
