import { describe, expect, it } from 'vitest';
import { createMemoryTier, type MemoryEntry } from './memory-tier.js';

const entry = (size: number, fill = 1): MemoryEntry => ({
  bytes: Buffer.alloc(size, fill),
  info: { size, contentType: 'image/webp', metadata: {} },
});

describe('memory tier', () => {
  it('returns what was set', () => {
    const tier = createMemoryTier({ maxBytes: 1_000_000 });
    const e = entry(1000, 7);
    expect(tier.set('a/b', e)).toBe(true);
    expect(tier.get('a/b')).toBe(e);
    expect(tier.get('a/c')).toBeUndefined();
    expect(tier.size).toBe(1);
  });

  it('is bounded in bytes, not entries, and evicts the least recently used', () => {
    const tier = createMemoryTier({ maxBytes: 10_000 });
    tier.set('one', entry(3000));
    tier.set('two', entry(3000));
    tier.set('three', entry(3000));
    expect(tier.size).toBe(3);
    tier.get('one'); // now "two" is the least recently used
    tier.set('four', entry(3000));
    expect(tier.get('two')).toBeUndefined();
    expect(tier.get('one')).toBeDefined();
    expect(tier.get('three')).toBeDefined();
    expect(tier.get('four')).toBeDefined();
    expect(tier.bytes).toBeLessThanOrEqual(10_000);
    expect(tier.bytes).toBeGreaterThanOrEqual(9000);
    // One big entry pushes out several small ones.
    tier.set('big', entry(9000));
    expect(tier.size).toBe(1);
    expect(tier.bytes).toBeLessThanOrEqual(10_000);
  });

  it('refuses an entry larger than the whole tier, dropping any older value of that key', () => {
    const tier = createMemoryTier({ maxBytes: 5000 });
    tier.set('k', entry(100));
    expect(tier.set('k', entry(6000))).toBe(false);
    expect(tier.get('k')).toBeUndefined();
    expect(tier.bytes).toBe(0);
  });

  it('keeps its byte count exact across replace and delete', () => {
    const tier = createMemoryTier({ maxBytes: 100_000 });
    tier.set('k', entry(1000));
    const one = tier.bytes;
    tier.set('k', entry(1000, 2));
    expect(tier.bytes).toBe(one);
    tier.delete('k');
    tier.delete('k');
    expect(tier.bytes).toBe(0);
    expect(tier.size).toBe(0);
  });

  it('deletes exactly one prefix', () => {
    const tier = createMemoryTier({ maxBytes: 100_000 });
    for (const key of ['p/a/1', 'p/a/2', 'p/a/b/3', 'p/ab/4', 'p/a']) tier.set(key, entry(10));
    expect(tier.deletePrefix('p/a')).toBe(3);
    expect([...['p/ab/4', 'p/a'].map((k) => tier.get(k) !== undefined)]).toEqual([true, true]);
    expect(tier.deletePrefix('p/ab/')).toBe(1);
  });

  it('stores nothing with maxBytes 0, and refuses nonsense bounds', () => {
    const off = createMemoryTier({ maxBytes: 0 });
    expect(off.set('k', entry(0))).toBe(false);
    expect(off.get('k')).toBeUndefined();
    expect(() => createMemoryTier({ maxBytes: -1 })).toThrow();
    expect(() => createMemoryTier({ maxBytes: Number.NaN })).toThrow();
  });
});
