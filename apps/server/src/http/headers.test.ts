import { describe, expect, it } from 'vitest';
import { cacheControl, contentDisposition } from './headers.js';

describe('contentDisposition', () => {
  it('takes the stem from the source URL and the extension from the result', () => {
    expect(contentDisposition('http://example.com/images/cat.jpg?x=1', '', '.webp', false)).toBe(
      'inline; filename="cat.webp"',
    );
  });
  it('prefers the filename option and can ask for an attachment', () => {
    expect(contentDisposition('http://example.com/cat.jpg', 'my "cat"', '.png', true)).toBe(
      'attachment; filename="my %22cat%22.png"',
    );
  });
  it('falls back to "image"', () => {
    expect(contentDisposition('http://example.com/', '', '.jpg', false)).toBe('inline; filename="image.jpg"');
  });
  it('decodes percent-encoded names', () => {
    expect(contentDisposition('local:///dir/caf%C3%A9.png', '', '.png', false)).toBe(
      'inline; filename="café.png"',
    );
  });
});

describe('cacheControl', () => {
  const now = 1_700_000_000_000;
  it('uses IMGPROXY_TTL', () => {
    expect(cacheControl({ ttl: 3600, expires: null, now })).toBe('max-age=3600, public');
  });
  it('says no-cache for a zero TTL', () => {
    expect(cacheControl({ ttl: 0, expires: null, now })).toBe('no-cache');
  });
  it('caps max-age by the expires option', () => {
    expect(cacheControl({ ttl: 3600, expires: now / 1000 + 60, now })).toBe('max-age=60, public');
    expect(cacheControl({ ttl: 30, expires: now / 1000 + 60, now })).toBe('max-age=30, public');
  });
  it('passes the source headers through when asked', () => {
    expect(cacheControl({ ttl: 3600, expires: null, passthrough: { cacheControl: 'max-age=5' }, now })).toBe(
      'max-age=5',
    );
    const expires = new Date(now + 120_000).toUTCString();
    expect(cacheControl({ ttl: 3600, expires: null, passthrough: { expires }, now })).toBe(
      'max-age=120, public',
    );
    expect(cacheControl({ ttl: 3600, expires: null, passthrough: {}, now })).toBe('max-age=3600, public');
  });
  it('caps fallback images by their own TTL', () => {
    expect(cacheControl({ ttl: 3600, expires: null, fallbackTtl: 10, now })).toBe('max-age=10, public');
  });
});
