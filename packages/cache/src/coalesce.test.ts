import { describe, expect, it } from 'vitest';
import { createCoalescer } from './coalesce.js';

describe('createCoalescer', () => {
  it('runs concurrent identical jobs once and gives every caller the result', async () => {
    const c = createCoalescer<number>();
    let runs = 0;
    let joined = 0;
    let finish!: (n: number) => void;
    const job = () => {
      runs++;
      return new Promise<number>((resolve) => {
        finish = resolve;
      });
    };
    const callers = Array.from({ length: 10 }, () => c.run('k', job, () => joined++));
    await Promise.resolve();
    expect(c.size).toBe(1);
    finish(42);
    expect(await Promise.all(callers)).toEqual(Array(10).fill(42));
    expect(runs).toBe(1);
    expect(joined).toBe(9);
    expect(c.size).toBe(0);
  });

  it('keeps different keys apart', async () => {
    const c = createCoalescer<string>();
    const [a, b] = await Promise.all([c.run('a', async () => 'A'), c.run('b', async () => 'B')]);
    expect([a, b]).toEqual(['A', 'B']);
  });

  it('forgets a failed job so the next call retries', async () => {
    const c = createCoalescer<string>();
    let runs = 0;
    const failing = async () => {
      runs++;
      throw new Error('boom');
    };
    await expect(Promise.all([c.run('k', failing), c.run('k', failing)])).rejects.toThrow('boom');
    expect(runs).toBe(1);
    expect(await c.run('k', async () => 'ok')).toBe('ok');
  });
});
