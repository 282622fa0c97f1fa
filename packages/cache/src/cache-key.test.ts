import { describe, expect, it } from 'vitest';
import { type CacheKeyInput, cacheKey, normalizePrefix, SCHEMA_VERSION, sourcePrefix } from './cache-key.js';

const base: CacheKeyInput = {
  sourceUrl: 'https://example.com/images/cat.jpg',
  options: 'rs:fit:300:200:0:0/q:80',
  format: 'webp',
  headers: {},
  cookies: {},
  settingsFingerprint: 'f1',
};

describe('cacheKey', () => {
  it('is <prefix>/<sha256 of source>/<sha256 of variant>, fixed length', () => {
    const key = cacheKey(base, 'cache/v');
    expect(key.sourceHash).toMatch(/^[0-9a-f]{64}$/);
    expect(key.variantHash).toMatch(/^[0-9a-f]{64}$/);
    expect(key.objectKey).toBe(`cache/v/${key.sourceHash}/${key.variantHash}`);
    expect(cacheKey(base).objectKey).toBe(`${key.sourceHash}/${key.variantHash}`);
  });

  it('is stable: the same input gives the same key, whatever order maps were built in', () => {
    const a = cacheKey({
      ...base,
      headers: { Accept: 'image/webp', 'X-A': '1' },
      cookies: { a: '1', b: '2' },
    });
    const b = cacheKey({
      ...base,
      headers: { 'x-a': '1', accept: 'image/webp' },
      cookies: { b: '2', a: '1' },
    });
    expect(b).toEqual(a);
  });

  it('changes with every input that changes output', () => {
    const k = cacheKey(base);
    const variants: Partial<CacheKeyInput>[] = [
      { options: 'rs:fit:300:201:0:0/q:80' },
      { options: 'rs:fit:300:200:0:0/q:80/cb:2' },
      { format: 'avif' },
      { headers: { accept: 'image/avif' } },
      { cookies: { session: 'x' } },
      { settingsFingerprint: 'f2' },
    ];
    for (const change of variants) {
      const other = cacheKey({ ...base, ...change });
      expect(other.sourceHash, JSON.stringify(change)).toBe(k.sourceHash);
      expect(other.variantHash, JSON.stringify(change)).not.toBe(k.variantHash);
    }
    const otherSource = cacheKey({ ...base, sourceUrl: 'https://example.com/images/dog.jpg' });
    expect(otherSource.sourceHash).not.toBe(k.sourceHash);
    expect(otherSource.variantHash).not.toBe(k.variantHash);
  });

  it('cannot be confused by separators inside values', () => {
    const a = cacheKey({ ...base, headers: { a: 'b', c: 'd' } });
    const b = cacheKey({ ...base, headers: { a: 'b","c', '': 'd' } });
    expect(a.variantHash).not.toBe(b.variantHash);
    const c = cacheKey({ ...base, options: 'x', format: 'y/z' });
    const d = cacheKey({ ...base, options: 'x/y', format: 'z' });
    expect(c.variantHash).not.toBe(d.variantHash);
  });

  it('folds in a schema version', () => {
    expect(SCHEMA_VERSION).toBeGreaterThanOrEqual(1);
  });
});

describe('sourcePrefix', () => {
  it('is the directory holding every variant of one source', () => {
    const prefix = sourcePrefix('/cache/', base.sourceUrl);
    expect(prefix).toMatch(/^cache\/[0-9a-f]{64}\/$/);
    for (const format of ['webp', 'avif', 'png']) {
      expect(cacheKey({ ...base, format }, 'cache').objectKey.startsWith(prefix)).toBe(true);
    }
    expect(
      cacheKey({ ...base, sourceUrl: 'https://example.com/x' }, 'cache').objectKey.startsWith(prefix),
    ).toBe(false);
  });
});

describe('normalizePrefix', () => {
  it('trims slashes and refuses paths that could escape a root', () => {
    expect(normalizePrefix('')).toBe('');
    expect(normalizePrefix('/')).toBe('');
    expect(normalizePrefix('/a/b/')).toBe('a/b');
    expect(() => normalizePrefix('a/../..')).toThrow();
    expect(() => normalizePrefix('a//b')).toThrow();
  });
});
