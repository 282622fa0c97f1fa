import { describe, expect, it } from 'vitest';
import { encryptSourceUrl } from './encryption.js';
import { TintypeError } from './errors.js';
import {
  decodeSource,
  expandGoTemplate,
  finalSourceUrl,
  parseUrlReplacements,
  type SourceSettings,
  wildcardPattern,
} from './source.js';

const b64 = (s: string) => Buffer.from(s).toString('base64url');
const KEY = Buffer.alloc(32, 3);

const settings = (over: Partial<SourceSettings> = {}): SourceSettings => ({
  base64UrlIncludesFilename: false,
  encryptionKey: KEY,
  baseUrl: '',
  urlReplacements: [],
  ...over,
});

const decode = (path: string, over?: Partial<SourceSettings>) =>
  decodeSource(path.split('/'), settings(over));

function failure(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(TintypeError);
    expect((e as TintypeError).status).toBe(404);
    return (e as TintypeError).publicMessage;
  }
  throw new Error('expected a failure');
}

const ORIGIN = 'http://images.dev/lorem/ipsum.jpg?param=value';

describe('base64 sources', () => {
  it('decodes, with and without extension', () => {
    expect(decode(`${b64(ORIGIN)}.png`)).toEqual({ url: ORIGIN, encoding: 'base64', extension: 'png' });
    expect(decode(b64(ORIGIN))).toEqual({ url: ORIGIN, encoding: 'base64', extension: '' });
    expect(decode(`${b64(ORIGIN)}.`)).toEqual({ url: ORIGIN, encoding: 'base64', extension: '' });
  });

  it('may be split by slashes anywhere', () => {
    const parts = b64(ORIGIN).match(/.{1,7}/g)!;
    expect(decode(`${parts.join('/')}.webp`).url).toBe(ORIGIN);
    expect(
      decodeSource(['aHR0cDovL2V4YW1w', 'bGUuY29tL2ltYWdl', 'cy9jdXJpb3NpdHku', 'anBn.png'], settings()),
    ).toEqual({
      url: 'http://example.com/images/curiosity.jpg',
      encoding: 'base64',
      extension: 'png',
    });
  });

  it('accepts padding', () => {
    expect(decode(`${Buffer.from('http://a/b.jp').toString('base64')}.png`).url).toBe('http://a/b.jp');
  });

  it('drops a trailing filename segment when configured (and only then)', () => {
    const path = `${b64(ORIGIN)}.png/puppy.jpg`;
    expect(decode(path, { base64UrlIncludesFilename: true })).toEqual({
      url: ORIGIN,
      encoding: 'base64',
      extension: 'png',
    });
    expect(failure(() => decode(path))).toMatch(/Multiple formats|Invalid url encoding/);
    // A single segment is never taken for a filename.
    expect(decode(b64(ORIGIN), { base64UrlIncludesFilename: true }).url).toBe(ORIGIN);
  });

  it('refuses bad encodings with 404', () => {
    expect(failure(() => decode('aHR0cDovL2V4YW1w+.png'))).toMatch(/Invalid url encoding/);
    expect(failure(() => decode('aHR0c'))).toMatch(/Invalid url encoding/); // length 1 mod 4
    expect(failure(() => decode('_w8'))).toMatch(/Invalid url encoding/); // 0xff: not UTF-8
    expect(failure(() => decode('.png'))).toMatch(/Image URL is empty/);
    expect(failure(() => decode(`${b64(ORIGIN)}.png.jpg`))).toMatch(/Multiple formats are specified/);
    expect(failure(() => decodeSource([], settings()))).toMatch(/Image URL is empty/);
  });
});

describe('plain sources', () => {
  it('decodes, with and without extension', () => {
    expect(decode('plain/http://images.dev/lorem/ipsum.jpg@png')).toEqual({
      url: 'http://images.dev/lorem/ipsum.jpg',
      encoding: 'plain',
      extension: 'png',
    });
    expect(decode('plain/http://images.dev/lorem/ipsum.jpg').extension).toBe('');
  });

  it('percent-decodes as url.PathUnescape does', () => {
    expect(decode(`plain/${encodeURIComponent(ORIGIN)}@png`).url).toBe(ORIGIN);
    expect(decode('plain/http://a/b%20c+d%2Fe%40f.jpg').url).toBe('http://a/b c+d/e@f.jpg');
    expect(decode('plain/http://a/%C3%A9.jpg').url).toBe('http://a/é.jpg');
    expect(failure(() => decode('plain/http://a/%zz.jpg'))).toMatch(/Invalid url encoding/);
    expect(failure(() => decode('plain/http://a/%4.jpg'))).toMatch(/Invalid url encoding/);
    expect(failure(() => decode('plain/http://a/%FF.jpg'))).toMatch(/Invalid url encoding/);
  });

  it('refuses an unescaped `@` in the URL and an empty URL', () => {
    expect(failure(() => decode('plain/http://u@h/a.jpg@png'))).toMatch(/Multiple formats are specified/);
    expect(failure(() => decode('plain/@png'))).toMatch(/Image URL is empty/);
  });

  it('reads a lone `plain` segment as base64 (as imgproxy does), which decodes to non-text', () => {
    expect(failure(() => decode('plain'))).toMatch(/Invalid url encoding: plain/);
  });
});

describe('encrypted sources', () => {
  const url = 'https://example.com/secret/path.png';

  it('decrypts, split or not, with extension and filename', () => {
    const enc = encryptSourceUrl(url, KEY);
    expect(decode(`enc/${enc}.webp`)).toEqual({ url, encoding: 'encrypted', extension: 'webp' });
    const split = enc.match(/.{1,16}/g)!.join('/');
    expect(decode(`enc/${split}`)).toEqual({ url, encoding: 'encrypted', extension: '' });
    expect(decode(`enc/${enc}.png/name.png`, { base64UrlIncludesFilename: true }).url).toBe(url);
  });

  it('refuses garbage, another key, or no key configured', () => {
    const enc = encryptSourceUrl(url, Buffer.alloc(32, 9));
    expect(failure(() => decode(`enc/${enc}`))).toMatch(/Invalid url encoding/);
    expect(failure(() => decode('enc/abcd'))).toMatch(/Invalid url encoding/);
    expect(failure(() => decode(`enc/${enc}`, { encryptionKey: null }))).toMatch(
      /encryption is not configured/,
    );
  });
});

describe('IMGPROXY_BASE_URL and IMGPROXY_URL_REPLACEMENTS', () => {
  it('prepends the base URL unless already there', () => {
    const s = { baseUrl: 'http://images.dev/', urlReplacements: [] };
    expect(finalSourceUrl('lorem/ipsum.jpg', s)).toBe('http://images.dev/lorem/ipsum.jpg');
    expect(finalSourceUrl('http://images.dev/x.jpg', s)).toBe('http://images.dev/x.jpg');
    expect(decode(`plain/${encodeURIComponent('lorem/ipsum.jpg?param=value')}@png`, s).url).toBe(
      'http://images.dev/lorem/ipsum.jpg?param=value',
    );
  });

  it('applies replacements in order, with Go-style groups (imgproxy’s test case)', () => {
    const urlReplacements = [
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Go's template syntax, on purpose
      { pattern: /^test:\/\/([^/]*)\//, replacement: 'test2://images.dev/${1}/dolor/' },
      { pattern: /^test2:\/\//, replacement: 'http://' },
    ];
    expect(decode(`${b64('test://lorem/ipsum.jpg?param=value')}.png`, { urlReplacements }).url).toBe(
      'http://images.dev/lorem/dolor/ipsum.jpg?param=value',
    );
    expect(decode('plain/test://lorem/ipsum.jpg@png', { urlReplacements }).url).toBe(
      'http://images.dev/lorem/dolor/ipsum.jpg',
    );
  });

  it('replaces before adding the base URL', () => {
    const s = { baseUrl: 'http://base/', urlReplacements: parseUrlReplacements('img/=pics/') };
    expect(finalSourceUrl('img/a.jpg', s)).toBe('http://base/pics/a.jpg');
  });

  it('parses the variable: wildcard patterns, `;` between pairs', () => {
    const rules = parseUrlReplacements(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Go's template syntax, on purpose
      'mys3://*/=s3://my-bucket/${1}/;http://old.example.com/=https://new.example.com/',
    );
    expect(finalSourceUrl('mys3://images/cat.jpg', { baseUrl: '', urlReplacements: rules })).toBe(
      's3://my-bucket/images/cat.jpg',
    );
    expect(finalSourceUrl('http://old.example.com/a?b=c', { baseUrl: '', urlReplacements: rules })).toBe(
      'https://new.example.com/a?b=c',
    );
    // Prefix only: a match further in is left alone.
    expect(finalSourceUrl('x-http://old.example.com/a', { baseUrl: '', urlReplacements: rules })).toBe(
      'x-http://old.example.com/a',
    );
    expect(parseUrlReplacements('')).toEqual([]);
    expect(() => parseUrlReplacements('a=b;nothing')).toThrow(/invalid key\/value: nothing/);
  });

  it('quotes everything but `*` in patterns', () => {
    const re = wildcardPattern('http://a.b/(x)*+?/');
    expect(re.test('http://a.b/(x)anything+?/')).toBe(true);
    expect(re.test('http://aXb/(x)y+?/')).toBe(false);
    expect(re.test('http://a.b/(x)y/z+?/')).toBe(false);
  });

  it('expands templates as Go’s Regexp.Expand', () => {
    const groups = ['whole', 'one', 'two'];
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Go's template syntax, on purpose
    expect(expandGoTemplate('$1-${2}', groups)).toBe('one-two');
    expect(expandGoTemplate('$1x', groups)).toBe('');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Go's template syntax, on purpose
    expect(expandGoTemplate('${1}x', groups)).toBe('onex');
    expect(expandGoTemplate('$$1 $ ${ $9 $0', groups)).toBe('$1 $ ${  whole');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Go's template syntax, on purpose
    expect(expandGoTemplate('${0}', groups)).toBe('whole');
  });
});
