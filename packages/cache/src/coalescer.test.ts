import { describe, expect, it } from 'vitest';
import { createCoalescer } from './coalescer.js';

/** A promise the test settles by hand, so no test depends on timing. */
function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('coalescer', () => {
  it('runs concurrent identical jobs once and gives every waiter the result', async () => {
    const c = createCoalescer<Buffer>();
    const gate = deferred<Buffer>();
    let runs = 0;
    const job = () => {
      runs++;
      return gate.promise;
    };
    const waiters = Array.from({ length: 50 }, () => c.run('k', job));
    expect(runs).toBe(1);
    expect(c.has('k')).toBe(true);
    const bytes = Buffer.from('result');
    gate.resolve(bytes);
    for (const got of await Promise.all(waiters)) expect(got).toBe(bytes);
    expect(c.size).toBe(0);
  });

  it('runs different keys separately', async () => {
    const c = createCoalescer<string>();
    const results = await Promise.all([
      c.run('a', async () => 'A'),
      c.run('b', async () => 'B'),
      c.run('a', async () => 'A2'),
    ]);
    expect(results).toEqual(['A', 'B', 'A']);
  });

  it('forgets a failed job, so the next call retries', async () => {
    const c = createCoalescer<string>();
    const gate = deferred<string>();
    const first = c.run('k', () => gate.promise);
    const joined = c.run('k', async () => 'never runs');
    gate.reject(new Error('origin down'));
    await expect(first).rejects.toThrow('origin down');
    await expect(joined).rejects.toThrow('origin down');
    expect(c.has('k')).toBe(false);
    expect(await c.run('k', async () => 'second try')).toBe('second try');
  });

  it('treats a job that throws synchronously as a failure', async () => {
    const c = createCoalescer<string>();
    await expect(
      c.run('k', () => {
        throw new Error('sync');
      }),
    ).rejects.toThrow('sync');
    expect(c.size).toBe(0);
  });

  it('forgets a finished job: a later call runs again (the cache remembers results, not this)', async () => {
    const c = createCoalescer<number>();
    let runs = 0;
    await c.run('k', async () => ++runs);
    expect(await c.run('k', async () => ++runs)).toBe(2);
  });

  it('keeps going for the others when one waiter stops waiting', async () => {
    const c = createCoalescer<string>();
    const gate = deferred<string>();
    const abandoned = new AbortController();
    // A waiter that gives up (its client hung up) races its own abort against the shared job.
    const quitter = Promise.race([
      c.run('k', () => gate.promise),
      new Promise<string>((_, reject) =>
        abandoned.signal.addEventListener('abort', () => reject(new Error('gone'))),
      ),
    ]);
    const stayer = c.run('k', async () => 'not run');
    abandoned.abort();
    await expect(quitter).rejects.toThrow('gone');
    gate.resolve('done');
    expect(await stayer).toBe('done');
  });
});
