import { describe, expect, it } from 'vitest';
import { encryptSourceUrl } from './encryption.js';
import { TintypeError } from './errors.js';
import { parsePath, parseSignedRoute } from './parse.js';
import { createUrlSettings } from './settings.js';
import { parseKeyPairs, signPath } from './signature.js';
import { failure, parse, SOURCE } from './test-helpers.js';

const DOC_PATH = '/rs:fill:300:400:0/g:sm/aHR0cDovL2V4YW1w/bGUuY29tL2ltYWdl/cy9jdXJpb3NpdHku/anBn.png';
const signed = createUrlSettings({ keys: parseKeyPairs('736563726574', '68656C6C6F') });

describe('parsePath with signing on', () => {
  it('reads the documented example', () => {
    const r = parsePath(`/oKfUtW34Dvo2BGQehJFR4Nr0_rIjOtdtzJ3QFsUcXH8${DOC_PATH}`, signed);
    expect(r.signature).toBe('oKfUtW34Dvo2BGQehJFR4Nr0_rIjOtdtzJ3QFsUcXH8');
    expect(r.signedPath).toBe(DOC_PATH);
    expect(r.sourceUrl).toBe('http://example.com/images/curiosity.jpg');
    expect(r.sourceEncoding).toBe('base64');
    expect(r.options).toMatchObject({
      resizingType: 'fill',
      width: 300,
      height: 400,
      enlarge: false,
      format: 'png',
    });
    expect(r.options.gravity.type).toBe('sm');
  });

  it('refuses a wrong, missing or placeholder signature with 403', () => {
    for (const sig of ['pKfUtW34Dvo2BGQehJFR4Nr0_rIjOtdtzJ3QFsUcXH8', 'insecure', 'rs:fill:1:1', '']) {
      const e = failure(() => parsePath(`/${sig}${DOC_PATH}`, signed));
      expect([sig, e.status]).toEqual([sig, sig === '' ? 404 : 403]);
    }
  });

  it('ignores the unused low bits of the last base64 character, as Go does (same HMAC bytes)', () => {
    expect(parsePath(`/oKfUtW34Dvo2BGQehJFR4Nr0_rIjOtdtzJ3QFsUcXH9${DOC_PATH}`, signed).sourceUrl).toBe(
      'http://example.com/images/curiosity.jpg',
    );
  });

  it('checks the signature before reading options, so a bad one is 403 even with bad options', () => {
    expect(failure(() => parsePath('/bad/nope:1/plain/x', signed)).status).toBe(403);
  });

  it('verifies the repaired path, which is what the client signed', () => {
    const path = `/rs:fit:10:10/plain/${SOURCE}`;
    const sig = signPath(path, signed.keys[0]!);
    const mangled = `/${sig}/rs%3Afit%3A10%3A10/plain/http:/images.dev/lorem/ipsum.jpg?x=1`;
    const r = parsePath(mangled, signed);
    expect(r.signedPath).toBe(path);
    expect(r.sourceUrl).toBe(SOURCE);
  });

  it('accepts a URL signed with any configured pair', () => {
    const two = createUrlSettings({ keys: parseKeyPairs('0011,736563726574', '2233,68656C6C6F') });
    expect(parsePath(`/oKfUtW34Dvo2BGQehJFR4Nr0_rIjOtdtzJ3QFsUcXH8${DOC_PATH}`, two).sourceUrl).toBe(
      'http://example.com/images/curiosity.jpg',
    );
    const sig = signPath(DOC_PATH, two.keys[0]!);
    expect(parsePath(`/${sig}${DOC_PATH}`, two).signature).toBe(sig);
  });

  it('honours IMGPROXY_SIGNATURE_SIZE', () => {
    const short = createUrlSettings({ keys: signed.keys, signatureSize: 8 });
    const sig = signPath(DOC_PATH, signed.keys[0]!, 8);
    expect(parsePath(`/${sig}${DOC_PATH}`, short).signature).toBe(sig);
    expect(
      failure(() => parsePath(`/oKfUtW34Dvo2BGQehJFR4Nr0_rIjOtdtzJ3QFsUcXH8${DOC_PATH}`, short)).status,
    ).toBe(403);
  });
});

describe('parsePath', () => {
  it('reads plain, base64 and encrypted sources, with the extension as format', () => {
    const key = Buffer.alloc(16, 5);
    const init = { encryptionKey: key };
    expect(parse(`/w:10/plain/${SOURCE}@webp`, init)).toMatchObject({
      sourceUrl: SOURCE,
      sourceEncoding: 'plain',
    });
    expect(parse(`/w:10/plain/${SOURCE}@webp`, init).options.format).toBe('webp');
    expect(parse(`/w:10/${Buffer.from(SOURCE).toString('base64url')}.jpg`, init).options.format).toBe('jpeg');
    const enc = parse(`/w:10/enc/${encryptSourceUrl(SOURCE, key)}.avif`, init);
    expect(enc).toMatchObject({ sourceUrl: SOURCE, sourceEncoding: 'encrypted' });
    expect(enc.options.format).toBe('avif');
  });

  it('lets the extension override the format option, and ignores it with raw', () => {
    expect(parse(`/f:png/plain/${SOURCE}@webp`).options.format).toBe('webp');
    expect(parse(`/raw:1/plain/${SOURCE}@webp`).options.format).toBeNull();
    expect(parse(`/raw:1/f:png/plain/${SOURCE}@nope`).options.format).toBe('png');
  });

  it('refuses an unknown extension with 404', () => {
    const e = failure(() => parse(`/plain/${SOURCE}@exe`));
    expect([e.status, e.publicMessage]).toEqual([
      404,
      'Invalid format: exe (expected supported image format)',
    ]);
  });

  it('takes no options at all', () => {
    const r = parse(`/plain/${SOURCE}`);
    expect(r.signedPath).toBe(`/plain/${SOURCE}`);
    expect(r.options.width).toBe(0);
  });

  it('uses the arguments separator (imgproxy’s case)', () => {
    const r = parse(`/size,100,100,1/plain/${SOURCE}`, { argumentsSeparator: ',' });
    expect(r.options).toMatchObject({ width: 100, height: 100, enlarge: true });
  });

  it('strips IMGPROXY_PATH_PREFIX and refuses paths outside it', () => {
    const s = createUrlSettings({ pathPrefix: '/imgproxy' });
    expect(parsePath(`/imgproxy/unsafe/w:5/plain/${SOURCE}`, s).options.width).toBe(5);
    expect(failure(() => parsePath(`/unsafe/w:5/plain/${SOURCE}`, s)).status).toBe(404);
  });

  it('applies IMGPROXY_BASE_URL', () => {
    const r = parse('/w:5/plain/lorem/ipsum.jpg@png', { baseUrl: 'http://images.dev/' });
    expect(r.sourceUrl).toBe(SOURCE);
  });

  it('refuses the deprecated basic format and empty paths with 404', () => {
    for (const path of ['/fill/300/300/no/0/aHR0cDovL2E', '/w:1', '/', '/w:1/.png']) {
      const e = failure(() => parse(path));
      expect([path, e.status]).toEqual([path, 404]);
    }
    expect(failure(() => parse('/fit/1/1/no/0/x')).publicMessage).toMatch(/deprecated basic URL format/);
  });

  it('parses the part after a route prefix for routes such as /info', () => {
    const r = parseSignedRoute(`/unsafe/w:7/plain/${SOURCE}`, createUrlSettings());
    expect(r.options.width).toBe(7);
  });
});

describe('nothing but TintypeError escapes, whatever the input', () => {
  // A small deterministic generator, so a failure can be replayed.
  function* strings(seed: number, count: number): Generator<string> {
    let x = seed;
    const next = () => {
      x = (x * 1103515245 + 12345) % 2 ** 31;
      return x;
    };
    const alphabet = [
      ...'/:%.@=_-+?#*$&;,~ 09azAZ',
      'plain',
      'enc',
      'rs:',
      'pr:',
      'fn:',
      'bg:',
      'g:fp',
      'exp:',
      'wm:',
      '%3A',
      '%zz',
      '%FF',
      'aHR0cDovL2E',
      'http:/',
      'local:/',
      '\u0000',
      'é',
      '😀',
    ];
    for (let i = 0; i < count; i++) {
      let s = '';
      const len = next() % 40;
      for (let j = 0; j < len; j++) s += alphabet[next() % alphabet.length];
      yield s;
    }
  }

  const settingsList = [
    createUrlSettings(),
    signed,
    createUrlSettings({
      encryptionKey: Buffer.alloc(32, 1),
      presets: ['default=q:50', 'p=w:10'],
      onlyPresets: true,
      base64UrlIncludesFilename: true,
    }),
    createUrlSettings({
      allowSecurityOptions: true,
      allowedProcessingOptions: ['w', 'rs'],
      pathPrefix: '/x',
    }),
  ];

  it('random strings', () => {
    let parsed = 0;
    for (const s of strings(42, 4000)) {
      for (const settings of settingsList) {
        for (const target of [s, `/unsafe/${s}`, `/unsafe/${s}/plain/${SOURCE}`]) {
          try {
            parsePath(target, settings, new Date(0));
            parsed++;
          } catch (e) {
            if (!(e instanceof TintypeError)) throw new Error(`${JSON.stringify(target)} threw ${String(e)}`);
            expect([403, 404]).toContain(e.status);
          }
        }
      }
    }
    expect(parsed).toBeGreaterThan(0);
  });
});
