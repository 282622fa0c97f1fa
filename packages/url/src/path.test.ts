import { describe, expect, it } from 'vitest';
import { TintypeError } from './errors.js';
import { repairPath, splitSignature, stripPathPrefix } from './path.js';

// Cases of imgproxy's handlers/path_test.go.
describe('splitSignature', () => {
  it.each([
    [
      '/dummy_signature/rs:fill:300:200/plain/http://example.com/image.jpg',
      '/rs:fill:300:200/plain/http://example.com/image.jpg',
    ],
    [
      '/dummy_signature/rs:fill:300:200/plain/http://example.com/image.jpg?param1=value1&param2=value2',
      '/rs:fill:300:200/plain/http://example.com/image.jpg',
    ],
    [
      '/dummy_signature/rs:fill:300:200/plain/https:/example.com/path/to/image.jpg',
      '/rs:fill:300:200/plain/https://example.com/path/to/image.jpg',
    ],
    [
      '/dummy_signature/rs%3Afill%3A300%3A200/plain/https://example.com/path/to/image.jpg',
      '/rs:fill:300:200/plain/https://example.com/path/to/image.jpg',
    ],
    ['/dummy_signature/rs%3Afill%3A300%3A200/abc/abc', '/rs:fill:300:200/abc/abc'],
  ])('%s', (target, signedPath) => {
    expect(splitSignature(target)).toEqual({ signature: 'dummy_signature', signedPath });
  });

  it.each(['/invalid_path_without_slash', '/', '/signature_only', '', '//x', '/sig/'])(
    'refuses %j',
    (target) => {
      expect(() => splitSignature(target)).toThrow(TintypeError);
      try {
        splitSignature(target);
      } catch (e) {
        expect((e as TintypeError).status).toBe(404);
      }
    },
  );
});

describe('repairPath', () => {
  it.each([
    ['plain/http:/example.com/image.jpg', 'plain/http://example.com/image.jpg'],
    ['plain/https:/example.com/image.jpg', 'plain/https://example.com/image.jpg'],
    ['plain/local:/image.jpg', 'plain/local:///image.jpg'],
    [
      '/rs:fill:300:200/plain/http:/example.com/image.jpg',
      'rs:fill:300:200/plain/http://example.com/image.jpg',
    ],
    ['/plain/http://example.com/image.jpg', 'plain/http://example.com/image.jpg'],
    ['/rs:fill:300:200/plain/example.com/image.jpg', 'rs:fill:300:200/plain/example.com/image.jpg'],
    ['', ''],
    ['/', ''],
    ['/http:/example.com/image.jpg', 'http:/example.com/image.jpg'],
    ['/plain/example.com/image.jpg', 'plain/example.com/image.jpg'],
    ['/plain/http:', 'plain/http:'],
    ['/plain/http:/test', 'plain/http://test'],
  ])('%j -> %j (as imgproxy)', (input, expected) => {
    expect(repairPath(input)).toBe(expected);
  });

  it('leaves `%3A` in a plain source alone (it is part of the source URL)', () => {
    expect(repairPath('w%3A1/plain/http://a/b%3Ac')).toBe('w:1/plain/http://a/b%3Ac');
  });

  it('repairs only a scheme at the start, not a later `:/` in the source', () => {
    expect(repairPath('plain/http://h/a:/b')).toBe('plain/http://h/a:/b');
    expect(repairPath('plain/http:/h/a:/b')).toBe('plain/http://h/a:/b');
  });
});

describe('stripPathPrefix', () => {
  it('removes the prefix and the query', () => {
    expect(stripPathPrefix('/imgproxy/sig/w:1/x?y', '/imgproxy')).toBe('/sig/w:1/x');
    expect(stripPathPrefix('/sig/w:1/x?y', '')).toBe('/sig/w:1/x');
  });

  it('refuses a path outside the prefix with a 404', () => {
    for (const target of ['/other/sig/x', '/imgproxyx/sig/x', '/imgproxy']) {
      expect(() => stripPathPrefix(target, '/imgproxy')).toThrow(TintypeError);
    }
  });
});
