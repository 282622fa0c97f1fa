import { describe, expect, it } from 'vitest';
import { createBufferPool } from './buffer-pool.js';

describe('buffer pool', () => {
  it('lends a released buffer again, and only once per release', () => {
    const pool = createBufferPool();
    const a = pool.borrow(3000);
    expect(a.bytes.length).toBe(3000);
    a.bytes.fill(1);
    a.release();
    a.release();
    const b = pool.borrow(4000);
    const c = pool.borrow(4000);
    // Same 4 KB class: b gets a's buffer back, c a new one, although a was released twice.
    expect(b.bytes.buffer).toBe(a.bytes.buffer);
    expect(c.bytes.buffer).not.toBe(a.bytes.buffer);
  });

  it('never lends a buffer that is still borrowed', () => {
    const pool = createBufferPool();
    const held = Array.from({ length: 50 }, (_, i) => {
      const loan = pool.borrow(10_000 + i);
      loan.bytes.fill(i);
      return loan;
    });
    expect(new Set(held.map((l) => l.bytes.buffer)).size).toBe(50);
    for (const [i, loan] of held.entries()) expect(loan.bytes.every((v) => v === i)).toBe(true);
  });

  it('keeps at most keepBytes idle per size class', () => {
    const pool = createBufferPool({ keepBytes: 64 * 1024 });
    const loans = Array.from({ length: 10 }, () => pool.borrow(16 * 1024));
    for (const loan of loans) loan.release();
    const again = Array.from({ length: 10 }, () => pool.borrow(16 * 1024).bytes.buffer);
    const reused = again.filter((buf) => loans.some((l) => l.bytes.buffer === buf));
    expect(reused).toHaveLength(4);
  });

  it('serves sizes of every class, zero included', () => {
    const pool = createBufferPool();
    for (const size of [0, 1, 4096, 4097, 65_536, 1_000_000]) {
      const { bytes } = pool.borrow(size);
      expect(bytes.length).toBe(size);
      expect(bytes.buffer.byteLength).toBeGreaterThanOrEqual(size);
    }
  });
});
