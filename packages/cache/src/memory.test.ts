import { describe, expect, it } from 'vitest';
import { createMemoryTier } from './memory.js';

const buf = (n: number) => Buffer.alloc(n, 1);

describe('createMemoryTier', () => {
  it('evicts the least recently used entries to stay under its byte bound', () => {
    let evictions = 0;
    const m = createMemoryTier<string>({ maxBytes: 100, onEvict: () => evictions++ });
    m.set('a', buf(40), 'A');
    m.set('b', buf(40), 'B');
    expect(m.get('a')?.meta).toBe('A'); // a is now the most recent
    m.set('c', buf(40), 'C');
    expect(m.get('b')).toBeUndefined();
    expect(m.get('a')?.meta).toBe('A');
    expect(m.get('c')?.meta).toBe('C');
    expect(m.bytes).toBe(80);
    expect(evictions).toBe(1);
  });

  it('replaces an entry without counting it twice', () => {
    const m = createMemoryTier<number>({ maxBytes: 100 });
    m.set('a', buf(30), 1);
    m.set('a', buf(50), 2);
    expect(m.bytes).toBe(50);
    expect(m.size).toBe(1);
    expect(m.get('a')?.meta).toBe(2);
  });

  it('never keeps an entry larger than the bound', () => {
    const m = createMemoryTier<number>({ maxBytes: 10 });
    m.set('big', buf(11), 1);
    expect(m.size).toBe(0);
    expect(m.bytes).toBe(0);
  });

  it('deletes by path prefix only', () => {
    const m = createMemoryTier<number>({ maxBytes: 1000 });
    m.set('p/a/1', buf(1), 1);
    m.set('p/a/2', buf(1), 2);
    m.set('p/ab/1', buf(1), 3);
    expect(m.deletePrefix('p/a')).toBe(2);
    expect(m.get('p/ab/1')?.meta).toBe(3);
    expect(m.bytes).toBe(1);
  });
});
