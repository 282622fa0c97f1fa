import { beforeAll, describe, expect, it } from 'vitest';
import { type BuildOptions, buildUrl, escapePlainSource, optionsPath } from './builder.js';
import { parsePath } from './parse.js';
import { createUrlSettings } from './settings.js';
import { parseKeyPairs } from './signature.js';
import { failure } from './test-helpers.js';

type Official = typeof import('@imgproxy/imgproxy-node');
let official: Official;

beforeAll(async () => {
  // The official builder reads these at import time and would sign "unsigned" cases with them.
  for (const name of ['IMGPROXY_KEY', 'IMGPROXY_SALT', 'IMGPROXY_SOURCE_URL_ENCRYPTION_KEY'])
    delete process.env[name];
  official = await import('@imgproxy/imgproxy-node');
});

const KEY = '943b421c9eb07c830af81030552c86009268de4e532ba2ee2eab8247c6da0881';
const SALT = '520f986b998545b4785e0defbc4f3c1203f22de2374a3d53cb7a7fe9fea309c5';
const ENC_KEY = '1eb5b0e971ad7f45324c1bb15c947cb207c43152fa5c6c7f35c4f36e0c18e0f1';
const IV = 'a79563a2b35d86cee6451c3c800f535a';
const ENDPOINT = 'https://imgproxy.example.com';

/**
 * The same request, as the official builder's options object and as our ordered option list (in
 * the order the official builder writes them: roughly alphabetical by its option module).
 */
const CASES: { name: string; official: Record<string, unknown>; ours: BuildOptions }[] = [
  { name: 'no options', official: {}, ours: [] },
  {
    name: 'README example',
    official: { resizing_type: 'fit', width: 300, gravity: { type: 'no' }, enlarge: 1 },
    ours: [
      ['el', true],
      ['g', 'no'],
      ['rt', 'fit'],
      ['w', 300],
    ],
  },
  {
    name: 'resize with smart gravity',
    official: {
      resize: { resizing_type: 'fill', width: 300, height: 400, enlarge: 0 },
      gravity: { type: 'sm' },
    },
    ours: { g: 'sm', rs: ['fill', 300, 400, false] },
  },
  {
    name: 'size, quality, format, dpr',
    official: { size: { width: 100, height: 50 }, quality: 80, format: 'webp', dpr: 2 },
    ours: [
      ['dpr', 2],
      ['f', 'webp'],
      ['q', 80],
      ['s', 100, 50],
    ],
  },
  {
    name: 'filters and background',
    official: { blur: 5, sharpen: 0.3, pixelate: 4, background: { r: 255, g: 0, b: 10 } },
    ours: [
      ['bg', 255, 0, 10],
      ['bl', 5],
      ['pix', 4],
      ['sh', 0.3],
    ],
  },
  {
    name: 'watermark',
    official: { watermark: { opacity: 0.5, position: 'soea', x_offset: 10, y_offset: 10, scale: 0.3 } },
    ours: [['wm', 0.5, 'soea', 10, 10, 0.3]],
  },
  {
    name: 'padding, trim, crop',
    official: {
      padding: { top: 10, right: 20 },
      trim: { threshold: 10, color: 'ffffff', equal_hor: 1 },
      crop: { width: 100, height: 50, gravity: { type: 'nowe' } },
    },
    ours: [
      ['c', 100, 50, 'nowe'],
      ['pd', 10, 20],
      ['t', 10, 'ffffff', true],
    ],
  },
  {
    name: 'switches, rotation, flip, presets',
    official: {
      preset: ['thumb', 'sharp'],
      strip_metadata: 0,
      keep_copyright: 1,
      auto_rotate: true,
      rotate: 90,
      flip: { horizontal: 1, vertical: 0 },
    },
    ours: [
      ['ar', true],
      ['fl', true, false],
      ['kcr', true],
      ['pr', 'thumb', 'sharp'],
      ['rot', 90],
      ['sm', false],
    ],
  },
  {
    name: 'extend, zoom, min sizes',
    official: {
      extend: { extend: 1, gravity: { type: 'no', x_offset: 5 } },
      extend_aspect_ratio: { extend: true },
      zoom: 2,
      min_width: 10,
      min_height: 20,
    },
    ours: [
      ['ex', true, 'no', 5],
      ['exar', true],
      ['mh', 20],
      ['mw', 10],
      ['z', 2],
    ],
  },
  {
    name: 'max bytes, raw, cachebuster, expires, filename, attachment',
    official: {
      max_bytes: 10000,
      raw: 1,
      cachebuster: 'v1',
      expires: 4102444800,
      filename: { name: 'cat' },
      return_attachment: true,
    },
    ours: [
      ['cb', 'v1'],
      ['exp', 4102444800],
      ['fn', 'cat'],
      ['mb', 10000],
      ['raw', true],
      ['att', true],
    ],
  },
  {
    name: 'security options',
    official: {
      max_src_resolution: 10,
      max_src_file_size: 1000,
      max_animation_frames: 5,
      max_animation_frame_resolution: 2,
      max_result_dimension: 4000,
    },
    ours: [
      ['mafr', 2],
      ['maf', 5],
      ['mrd', 4000],
      ['msfs', 1000],
      ['msr', 10],
    ],
  },
  {
    name: 'cache options and output switches',
    official: {
      bypass_cache: 1,
      cache_tags: ['a', 'b'],
      enforce_thumbnail: 1,
      preserve_hdr: 1,
      strip_color_profile: 0,
    },
    ours: [
      ['bc', true],
      ['ct', 'a', 'b'],
      ['eth', true],
      ['ph', true],
      ['scp', false],
    ],
  },
];

const SOURCES = ['https://example.com/cat.jpg', 'http://images.dev/lorem/ipsum.jpg', 's3://bucket/a/b c.png'];

type Encoding = 'base64' | 'plain' | 'encrypted';

function both(
  c: (typeof CASES)[number],
  source: string,
  encoding: Encoding,
  signed: boolean,
  endpoint = ENDPOINT,
) {
  const theirs = official.generateImageUrl({
    endpoint,
    url: { value: source, displayAs: encoding },
    options: c.official as never,
    ...(signed ? { key: KEY, salt: SALT } : {}),
    ...(encoding === 'encrypted' ? { encryptKey: ENC_KEY, encryptIV: IV } : {}),
  });
  const ours = buildUrl({
    endpoint,
    source,
    encoding,
    options: c.ours,
    ...(signed ? { key: KEY, salt: SALT } : {}),
    ...(encoding === 'encrypted' ? { encryptionKey: ENC_KEY, iv: IV } : {}),
  });
  return { theirs, ours };
}

const settings = createUrlSettings({
  keys: parseKeyPairs(KEY, SALT),
  encryptionKey: ENC_KEY,
  allowSecurityOptions: true,
  allowBypassCache: true,
  presets: ['thumb=rs:fit:100:100', 'sharp=sh:1'],
});
const unsigned = createUrlSettings({
  encryptionKey: ENC_KEY,
  allowSecurityOptions: true,
  allowBypassCache: true,
  presets: ['thumb=rs:fit:100:100', 'sharp=sh:1'],
});

describe('buildUrl equals the official @imgproxy/imgproxy-node builder', () => {
  for (const c of CASES) {
    it(c.name, () => {
      let compared = 0;
      for (const source of SOURCES) {
        for (const encoding of ['base64', 'plain', 'encrypted'] as const) {
          if (encoding === 'plain' && escapePlainSource(source) !== source) continue;
          for (const signed of [true, false]) {
            const { theirs, ours } = both(c, source, encoding, signed);
            expect(ours, `${encoding} ${source} signed=${signed}`).toBe(theirs);
            compared++;
          }
        }
      }
      expect(compared).toBe(18);
      expect(both(c, SOURCES[0]!, 'base64', true, `${ENDPOINT}/`).ours).toBe(
        both(c, SOURCES[0]!, 'base64', true).theirs,
      );
    });
  }
});

describe('URLs built by the official builder parse and verify', () => {
  const now = new Date('2024-01-01T00:00:00Z');
  for (const c of CASES) {
    it(c.name, () => {
      for (const source of SOURCES) {
        for (const encoding of ['base64', 'plain', 'encrypted'] as const) {
          if (encoding === 'plain' && source.includes(' ')) continue;
          const { theirs } = both(c, source, encoding, true);
          const parsed = parsePath(theirs.slice(ENDPOINT.length), settings, now);
          expect(parsed.sourceUrl).toBe(source);
          expect(parsed.sourceEncoding).toBe(encoding);
          const insecure = both(c, source, encoding, false).theirs;
          expect(parsePath(insecure.slice(ENDPOINT.length), unsigned, now).sourceUrl).toBe(source);
        }
      }
    });
  }

  it('with the options they name', () => {
    const url = official.generateImageUrl({
      endpoint: ENDPOINT,
      url: SOURCES[0]!,
      options: {
        resize: { resizing_type: 'fill', width: 300, height: 400, enlarge: 1 },
        quality: 70,
        format: 'png',
      },
      key: KEY,
      salt: SALT,
    });
    expect(parsePath(url.slice(ENDPOINT.length), settings).options).toMatchObject({
      resizingType: 'fill',
      width: 300,
      height: 400,
      enlarge: true,
      quality: 70,
      format: 'png',
    });
  });

  it('except skip_processing, which the official builder writes as `sp:`, a name imgproxy does not know', () => {
    const url = official.generateImageUrl({
      endpoint: ENDPOINT,
      url: SOURCES[0]!,
      options: { skip_processing: ['gif'] },
    });
    expect(url).toContain('/sp:gif/');
    const e = failure(() => parsePath(url.slice(ENDPOINT.length), unsigned));
    expect([e.status, e.publicMessage]).toEqual([404, 'Unknown processing option sp']);
  });

  it('but a tampered one does not verify', () => {
    const url = buildUrl({ source: SOURCES[0]!, options: { w: 300 }, key: KEY, salt: SALT });
    expect(failure(() => parsePath(url.replace('w:300', 'w:301'), settings)).status).toBe(403);
  });
});

describe('buildUrl', () => {
  it('escapes what would break a plain source, so it reads back unchanged', () => {
    const source = 'https://u:p@example.com/a%20b/c.jpg?x=1&y=@#frag';
    const url = buildUrl({ source, encoding: 'plain', extension: 'webp', key: KEY, salt: SALT });
    expect(url).toContain('/plain/https://u:p%40example.com/a%2520b/c.jpg%3Fx=1&y=%40%23frag@webp');
    const parsed = parsePath(url, settings);
    expect(parsed.sourceUrl).toBe(source);
    expect(parsed.options.format).toBe('webp');
  });

  it('writes extensions and filenames for every encoding', () => {
    const withName = createUrlSettings({ ...settings, presets: [], base64UrlIncludesFilename: true });
    for (const encoding of ['base64', 'encrypted'] as const) {
      const url = buildUrl({
        source: SOURCES[1]!,
        encoding,
        extension: 'avif',
        filename: 'cat.avif',
        key: KEY,
        salt: SALT,
        encryptionKey: ENC_KEY,
      });
      expect(url).toMatch(/\.avif\/cat\.avif$/);
      const parsed = parsePath(url, withName);
      expect([parsed.sourceUrl, parsed.options.format]).toEqual([SOURCES[1], 'avif']);
    }
    expect(() => buildUrl({ source: 'x', encoding: 'plain', filename: 'f' })).toThrow(/filename/);
  });

  it('truncates signatures to the configured size and accepts decoded keys', () => {
    const pair = parseKeyPairs(KEY, SALT)[0]!;
    const short = buildUrl({ source: SOURCES[0]!, key: pair.key, salt: pair.salt, signatureSize: 8 });
    expect(short.split('/')[1]).toHaveLength(11);
    expect(parsePath(short, createUrlSettings({ keys: [pair], signatureSize: 8 })).sourceUrl).toBe(
      SOURCES[0],
    );
  });

  it('signs with the first pair of a list, as the official builder', () => {
    const url = buildUrl({ source: SOURCES[0]!, key: `${KEY},00`, salt: `${SALT},11` });
    expect(url).toBe(buildUrl({ source: SOURCES[0]!, key: KEY, salt: SALT }));
  });

  it('uses AES-128/192/256 by key length, and a random IV by default', () => {
    for (const size of [16, 24, 32]) {
      const encryptionKey = '01'.repeat(size);
      const a = buildUrl({ source: SOURCES[0]!, encoding: 'encrypted', encryptionKey });
      const b = buildUrl({ source: SOURCES[0]!, encoding: 'encrypted', encryptionKey });
      expect(a).not.toBe(b);
      expect(parsePath(a, createUrlSettings({ encryptionKey })).sourceUrl).toBe(SOURCES[0]);
    }
    expect(() => buildUrl({ source: 'x', encoding: 'encrypted' })).toThrow(/encryptionKey/);
  });

  it('writes arguments as imgproxy reads them', () => {
    expect(optionsPath([['rs', 'fit', 300, null, true, undefined]])).toBe('rs:fit:300::t');
    expect(optionsPath({ w: 1, g: ['fp', 0.5, 0.5], pr: ['a'] })).toBe('w:1/g:fp:0.5:0.5/pr:a');
    expect(optionsPath({ rs: ['fit', 1, 2] }, ',')).toBe('rs,fit,1,2');
    expect(() => optionsPath({ cb: 'a/b' })).toThrow(/cannot contain/);
    expect(() => optionsPath({ cb: 'a:b' })).toThrow(/cannot contain/);
  });
});
