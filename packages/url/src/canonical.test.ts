import { describe, expect, it } from 'vitest';
import { canonicalOptions, EXCLUDED_FROM_CANONICAL } from './canonical.js';
import { defaultOptions } from './options.js';
import { opts, parse, SOURCE } from './test-helpers.js';

const canon = (options: string, init = {}) => canonicalOptions(opts(options, init));

describe('canonicalOptions', () => {
  it('is empty for the defaults', () => {
    expect(canonicalOptions(defaultOptions())).toBe('');
    expect(canon('rs:fit:0:0:0/q:0/dpr:1/z:1/pix:1/rot:0/fl:0:0/g:ce/c:0:0/bg:')).toBe('');
  });

  it('gives every spelling of the same resize the same form', () => {
    const presets = { presets: ['thumb=rs:fit:300:200', 'parts=w:300/h:200'] };
    const forms = [
      'rs:fit:300:200',
      'w:300/h:200/rt:fit',
      'resize:fit:300:200',
      'h:200/w:300',
      's:300:200',
      'size:300:200:0',
      'rs:fit:300:200:0:0',
      'rs::300:200',
      'w:1/rs:fit:300:200',
      'pr:thumb',
      'preset:parts/rt:fit',
    ].map((o) => canon(o, presets));
    expect(new Set(forms).size).toBe(1);
    expect(forms[0]).toBe('w:300/h:200');
  });

  it('leaves out header-only options, presets used, and cache controls', () => {
    const init = { presets: ['p=w:300'], allowBypassCache: true };
    const base = canon('w:300', init);
    for (const extra of ['exp:32503669200', 'fn:name', 'fn:bmFtZQ:1', 'att:1', 'bc:1', 'ct:a:b', 'pr:p']) {
      expect(canon(`w:300/${extra}`, init), extra).toBe(base);
    }
    expect(Object.keys(EXCLUDED_FROM_CANONICAL).sort()).toEqual(
      ['bypassCache', 'cacheTags', 'expires', 'filename', 'returnAttachment', 'usedPresets'].sort(),
    );
  });

  it('includes the cachebuster, escaped', () => {
    expect(canon('w:300/cb:v2')).toBe('w:300/cb:v2');
    expect(canon('cb:a%2Fb')).toBe('cb:a%252Fb');
    expect(canon('cb:1')).not.toBe(canon('cb:2'));
  });

  it('reads the README example as documented', () => {
    const init = { presets: ['thumb=rs:fill:300:300/q:70'] };
    expect(canonicalOptions(parse(`/pr:thumb/plain/${SOURCE}@webp`, init).options)).toBe(
      'rt:fill/w:300/h:300/q:70/f:webp',
    );
  });

  it('reads the format from the option or the extension alike', () => {
    const a = canonicalOptions(parse(`/f:png/plain/${SOURCE}`).options);
    const b = canonicalOptions(parse(`/plain/${SOURCE}@png`).options);
    const c = canonicalOptions(parse(`/${Buffer.from(SOURCE).toString('base64url')}.png`).options);
    expect(a).toBe('f:png');
    expect(b).toBe(a);
    expect(c).toBe(a);
  });

  it('folds settings that cannot change the output', () => {
    const same = (x: string, y: string) => expect(canon(x), `${x} vs ${y}`).toBe(canon(y));
    same('ex:0:so:10:10', '');
    same('exar:0:no', '');
    same('t:15:fff/t:', '');
    same('wm:0:so:5:5:2', '');
    same('pix:1', 'pix:0');
    same('rot:360', 'rot:0');
    same('rot:-720', '');
    same('q:70/fq:webp:20', 'q:70');
    same('c:0:0:no:5:5', '');
    same('skp:png:jpg/skp:png', 'skp:jpg:png');
    same('g:no:0:0', 'g:no');
    same('bg:fff', 'bg:255:255:255');
    same('dpr:2.0', 'dpr:2');
    same('fq:jpg:70', 'fq:jpeg:70');
  });

  it('tells apart options that change the output', () => {
    const distinct = [
      '',
      'w:300',
      'h:300',
      'w:300/h:300',
      'rt:fill/w:300',
      'el:1',
      'ex:1',
      'ex:1:no',
      'exar:1',
      'g:no',
      'g:no:1',
      'g:fp:0.5:0.5',
      'c:10:10',
      'c:10:10:no',
      't:10',
      't:10:fff',
      'pd:1',
      'rot:90',
      'rot:-90',
      'fl:1',
      'fl:0:1',
      'ar:0',
      'bg:fff',
      'bg:000',
      'bl:1',
      'sh:1',
      'pix:2',
      'wm:0.5',
      'wm:0.5:re',
      'sm:0',
      'kcr:0',
      'scp:0',
      'ph:1',
      'eth:1',
      'q:50',
      'fq:webp:50',
      'mb:1000',
      'f:png',
      'skp:gif',
      'raw:1',
      'cb:1',
      'mw:10',
      'mh:10',
      'z:2',
      'z:2:1',
      'dpr:2',
      'msr:1',
      'msfs:1',
      'maf:2',
      'mafr:1',
      'mrd:100',
    ].map((o) => canon(o, { allowSecurityOptions: true }));
    expect(new Set(distinct).size).toBe(distinct.length);
  });

  it('covers every field that is not excluded', () => {
    const samples = [
      'rt:fill',
      'w:1',
      'h:1',
      'mw:1',
      'mh:1',
      'z:2:3',
      'dpr:2',
      'el:1',
      'ex:1',
      'exar:1',
      'g:no',
      'c:1:1',
      'pd:1',
      't:1',
      'rot:90',
      'fl:1',
      'ar:0',
      'bg:fff',
      'bl:1',
      'sh:1',
      'pix:2',
      'wm:1',
      'sm:0',
      'kcr:0',
      'scp:0',
      'ph:1',
      'eth:1',
      'q:1',
      'fq:png:1',
      'mb:1',
      'f:png',
      'skp:png',
      'raw:1',
      'cb:1',
      'msr:1',
    ];
    const segments = new Set(
      samples.flatMap((s) =>
        canon(s, { allowSecurityOptions: true })
          .split('/')
          .map((p) => p.split(':')[0]),
      ),
    );
    const fields = Object.keys(defaultOptions()).length - Object.keys(EXCLUDED_FROM_CANONICAL).length;
    expect(segments.size).toBe(fields);
  });

  it('shows configured defaults that differ from imgproxy’s own', () => {
    expect(canon('w:1', { optionDefaults: { stripMetadata: false } })).toBe('w:1/sm:0');
    expect(canon('w:1', { optionDefaults: { formatQuality: { webp: 90 } } })).toBe('w:1/fq:webp:90');
  });

  it('keeps a fixed order and spelling (changing it changes every cache key)', () => {
    const o = opts(
      'rs:fill:300:200:1:1:so:1:2/g:fp:0.25:0.75/c:0.5:0.5:sm/t:5:ff0000:1:0/pd:1:2/rot:90/fl:1/bg:10:20:30/' +
        'bl:1.5/sh:0.5/pix:4/wm:0.5:re:1:2:0.3/sm:0/q:70/mb:5000/f:webp/skp:gif/cb:v1/z:2/dpr:3/mw:10/mh:20/exar:1:no',
    );
    expect(canonicalOptions(o)).toBe(
      'rt:fill/w:300/h:200/mw:10/mh:20/zw:2/zh:2/dpr:3/el:1/ex:1:so:1:2/exar:1:no:0:0/g:fp:0.25:0.75/' +
        'c:0.5:0.5:sm:0:0/pd:1:2:1:2/t:5:ff0000:1:0/rot:90/fl:1:0/bg:0a141e/bl:1.5/sh:0.5/pix:4/' +
        'wm:0.5:re:1:2:0.3/sm:0/q:70/mb:5000/f:webp/skp:gif/cb:v1',
    );
  });
});
