export interface Coalescer<T> {
  /**
   * Runs `job` unless a job for `key` is already in flight, in which case it joins that one: every
   * caller gets the same result (or the same error). A caller that stops waiting cancels nothing.
   */
  run(key: string, job: () => Promise<T>): Promise<T>;
  /** Whether a job for `key` is in flight, i.e. whether `run` would join rather than start one. */
  has(key: string): boolean;
  /** Jobs in flight. */
  readonly size: number;
}

/**
 * Identical work in flight is done once (STYLE #9, imagor's `suppress()`): a per-key map of
 * promises. A job is forgotten as soon as it settles, successfully or not: remembering results is
 * the cache's business, and a failure must not stick, so the next caller retries.
 */
export function createCoalescer<T>(): Coalescer<T> {
  const inFlight = new Map<string, Promise<T>>();
  return {
    run(key, job) {
      const running = inFlight.get(key);
      if (running) return running;
      // async wrapper: a job that throws synchronously becomes a rejection like any other failure.
      const promise = (async () => job())();
      inFlight.set(key, promise);
      promise
        .finally(() => {
          if (inFlight.get(key) === promise) inFlight.delete(key);
        })
        .catch(() => {}); // the callers handle the rejection; this chain only cleans up
      return promise;
    },
    has(key) {
      return inFlight.has(key);
    },
    get size() {
      return inFlight.size;
    },
  };
}
