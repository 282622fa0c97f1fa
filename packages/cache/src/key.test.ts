import { describe, expect, it } from 'vitest';
import { cacheKey, sourcePrefix } from './key.js';

const base = {
  prefix: 'cache',
  sourceUrl: 'http://example.com/a.jpg',
  options: 'rt:fit/w:300/h:200',
  format: 'webp',
  headers: {},
  cookies: {},
  settingsFingerprint: 'f1',
};

describe('cacheKey', () => {
  it('puts every variant of a source under the source prefix', () => {
    const a = cacheKey(base);
    const b = cacheKey({ ...base, options: 'rt:fill/w:100/h:100' });
    expect(a.objectKey.startsWith(`${sourcePrefix('cache', base.sourceUrl)}/`)).toBe(true);
    expect(b.objectKey.startsWith(`${sourcePrefix('cache', base.sourceUrl)}/`)).toBe(true);
    expect(a.objectKey).not.toBe(b.objectKey);
    expect(a.objectKey).toMatch(/^cache\/[0-9a-f]{64}\/[0-9a-f]{64}$/);
  });

  it('is stable and changes with each input that changes output', () => {
    const k = cacheKey(base).objectKey;
    expect(cacheKey({ ...base }).objectKey).toBe(k);
    for (const change of [
      { sourceUrl: 'http://example.com/b.jpg' },
      { options: 'rt:fit/w:301/h:200' },
      { format: 'avif' },
      { headers: { 'x-tenant': 'a' } },
      { cookies: { session: 'x' } },
      { settingsFingerprint: 'f2' },
    ]) {
      expect(cacheKey({ ...base, ...change }).objectKey).not.toBe(k);
    }
  });

  it('does not depend on the order headers and cookies are given in', () => {
    const a = cacheKey({ ...base, headers: { a: '1', b: '2' }, cookies: { x: '1', y: '2' } });
    const b = cacheKey({ ...base, headers: { b: '2', a: '1' }, cookies: { y: '2', x: '1' } });
    expect(a.objectKey).toBe(b.objectKey);
  });

  it('keeps prefixes clean', () => {
    expect(sourcePrefix('/a/b/', 'x')).toMatch(/^a\/b\/[0-9a-f]{64}$/);
    expect(sourcePrefix('', 'x')).toMatch(/^[0-9a-f]{64}$/);
  });
});
