import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { createLimiter, holding, pixelMemory, pixelWorkers } from './limiter.js';

describe('createLimiter', () => {
  it('runs at most `workers` at once and hands slots on in order', async () => {
    const limiter = createLimiter(2, 0);
    const a = await limiter.acquire();
    const b = await limiter.acquire();
    const order: string[] = [];
    const c = limiter.acquire().then((r) => {
      order.push('c');
      return r;
    });
    const d = limiter.acquire().then((r) => {
      order.push('d');
      return r;
    });
    expect(limiter.active).toBe(2);
    expect(limiter.queued).toBe(2);
    a();
    a(); // releasing twice frees one slot only
    (await c)();
    b();
    (await d)();
    expect(order).toEqual(['c', 'd']);
    expect(limiter.active).toBe(0);
  });

  it('with a budget, makes work wait while the bytes declared would pass it, in order', async () => {
    const limiter = createLimiter(3, 0, 100);
    const large = await limiter.acquire(undefined, 70);
    const small = await limiter.acquire(undefined, 20);
    const order: string[] = [];
    // 70 + 20 + 40 > 100: the second large image waits, and the small one after it keeps its turn.
    const noting = (name: string) => (release: () => void) => {
      order.push(name);
      return release;
    };
    const secondLarge = limiter.acquire(undefined, 40).then(noting('second large'));
    const third = limiter.acquire(undefined, 5).then(noting('small'));
    await Promise.resolve();
    expect([limiter.active, limiter.queued, limiter.held]).toEqual([2, 2, 90]);
    large();
    const [releaseSecond, releaseThird] = await Promise.all([secondLarge, third]);
    expect(order).toEqual(['second large', 'small']);
    expect([limiter.active, limiter.held]).toEqual([3, 65]);
    for (const release of [small, releaseSecond, releaseThird]) release();
    expect([limiter.active, limiter.held]).toEqual([0, 0]);
  });

  it('with a budget, lets an image larger than the budget run alone', async () => {
    const limiter = createLimiter(3, 0, 100);
    const huge = await limiter.acquire(undefined, 300);
    const controller = new AbortController();
    const tiny = limiter.acquire(controller.signal, 1);
    const other = limiter.acquire(undefined, 1);
    await Promise.resolve();
    expect(limiter.queued).toBe(2);
    // A waiter that leaves hands its turn on: the next one runs once it fits.
    controller.abort();
    await expect(tiny).rejects.toMatchObject({ status: 503 });
    huge();
    (await other)();
    expect([limiter.active, limiter.held, limiter.queued]).toEqual([0, 0, 0]);
  });

  it('answers 429 when the queue is full', async () => {
    const limiter = createLimiter(1, 1);
    await limiter.acquire();
    void limiter.acquire();
    await expect(limiter.acquire()).rejects.toMatchObject({ status: 429 });
  });

  it('drops a waiter whose deadline passes, with a 503', async () => {
    const limiter = createLimiter(1, 0);
    const release = await limiter.acquire();
    const controller = new AbortController();
    const waiting = limiter.acquire(controller.signal);
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ status: 503 });
    expect(limiter.queued).toBe(0);
    release();
    expect(limiter.active).toBe(0);
  });
});

describe('holding', () => {
  it('makes work wait for a slot and gives the slot back when the work fails', async () => {
    const limiter = createLimiter(1, 0);
    const signal = new AbortController().signal;
    const order: string[] = [];
    let finishFirst!: () => void;
    const first = holding(limiter, signal, async () => {
      order.push('first starts');
      await new Promise<void>((resolve) => {
        finishFirst = resolve;
      });
      order.push('first ends');
      throw new Error('broken image');
    });
    const second = holding(limiter, signal, async () => {
      order.push('second starts');
      return 'done';
    });
    await Promise.resolve();
    expect(limiter.queued).toBe(1);
    finishFirst();
    await expect(first).rejects.toThrow('broken image');
    await expect(second).resolves.toBe('done');
    expect(order).toEqual(['first starts', 'first ends', 'second starts']);
    expect(limiter.active).toBe(0);
  });
});

describe('pixelMemory', () => {
  it('is no budget unless IMGPROXY_PIXEL_WORKERS_MEMORY sets one (megabytes)', () => {
    expect(pixelMemory({ IMGPROXY_PIXEL_WORKERS_MEMORY: 0 })).toBe(Number.POSITIVE_INFINITY);
    expect(pixelMemory({ IMGPROXY_PIXEL_WORKERS_MEMORY: 300 })).toBe(300 * 1024 * 1024);
  });
});

describe('pixelWorkers', () => {
  it('is one per CPU unless IMGPROXY_PIXEL_WORKERS sets it', () => {
    expect(pixelWorkers({ IMGPROXY_PIXEL_WORKERS: 0 })).toBe(availableParallelism());
    expect(pixelWorkers({ IMGPROXY_PIXEL_WORKERS: 3 })).toBe(3);
  });
});
