import { describe, expect, it } from 'vitest';
import { parsePresets, splitPresetsVariable } from './presets.js';
import { createUrlSettings } from './settings.js';
import { optionFailure, opts, parse, SOURCE } from './test-helpers.js';

// imgproxy's options/parser/presets_test.go.
describe('parsePresets', () => {
  it('parses name=options', () => {
    expect(parsePresets(['test=resize:fit:100:200/sharpen:2'], ':').get('test')).toEqual([
      { name: 'resize', args: ['fit', '100', '200'] },
      { name: 'sharpen', args: ['2'] },
    ]);
  });

  it('uses the arguments separator', () => {
    expect(parsePresets(['t=rs,fit,1'], ',').get('t')).toEqual([{ name: 'rs', args: ['fit', '1'] }]);
  });

  it.each([
    ['resize:fit:100:200/sharpen:2', 'invalid preset string: resize:fit:100:200/sharpen:2'],
    ['a=b=c', 'invalid preset string: a=b=c'],
    ['=resize:fit:100:200/sharpen:2', 'empty preset name: =resize:fit:100:200/sharpen:2'],
    ['test=', 'empty preset value: test='],
    [
      'test=resize:fit:100:200/sharpen:2/blur',
      'invalid preset value: test=resize:fit:100:200/sharpen:2/blur',
    ],
  ])('refuses %j', (entry, message) => {
    expect(() => parsePresets([entry], ':')).toThrow(message);
  });

  it('skips blanks and comments, trims names and values', () => {
    expect(parsePresets(['   ', '#  test=resize:fit:100:200/sharpen:2', ''], ':').size).toBe(0);
    expect([...parsePresets(['  a = w:1  '], ':').keys()]).toEqual(['a']);
  });

  it('splits IMGPROXY_PRESETS by its separator', () => {
    expect(splitPresetsVariable('a=w:1,b=h:2')).toEqual(['a=w:1', 'b=h:2']);
    expect(splitPresetsVariable('a=w:1;b=h:2', ';')).toEqual(['a=w:1', 'b=h:2']);
    expect(splitPresetsVariable('a=w:1,b=h:2', '')).toEqual(['a=w:1', 'b=h:2']);
    expect(splitPresetsVariable('')).toEqual([]);
  });
});

describe('preset validation at creation', () => {
  it('accepts valid presets', () => {
    expect(createUrlSettings({ presets: ['test=resize:fit:100:200/sharpen:2'] }).presets.size).toBe(1);
  });

  it('names the preset and the problem', () => {
    expect(() => createUrlSettings({ presets: ['test=resize:fit:-1:-2/sharpen:2'] })).toThrow(
      'error in preset `test`: Invalid width: -1 (expected positive number or 0)',
    );
    expect(() => createUrlSettings({ presets: ['a=w:1', 'b=nope:1'] })).toThrow(
      'error in preset `b`: Unknown processing option nope',
    );
    expect(() => createUrlSettings({ presets: ['a=pr:missing'] })).toThrow(
      'error in preset `a`: Unknown preset: missing',
    );
    expect(() => createUrlSettings({ presets: ['a=msr:1'] })).toThrow(
      'error in preset `a`: Security processing options are not allowed',
    );
    expect(createUrlSettings({ presets: ['a=msr:1'], allowSecurityOptions: true }).presets.size).toBe(1);
  });

  it('is not subject to IMGPROXY_ALLOWED_PROCESSING_OPTIONS (presets are the operator’s)', () => {
    expect(() =>
      createUrlSettings({ presets: ['a=blur:1'], allowedProcessingOptions: ['pr'] }),
    ).not.toThrow();
  });
});

// imgproxy's processing_options_test.go preset cases.
describe('presets in URLs', () => {
  it('applies presets in order and records them', () => {
    const o = opts('preset:test1:test2', {
      presets: ['test1=resizing_type:fill', 'test2=blur:0.2/quality:50'],
    });
    expect(o).toMatchObject({
      resizingType: 'fill',
      blur: 0.2,
      quality: 50,
      usedPresets: ['test1', 'test2'],
    });
  });

  it('applies the default preset first, then the URL', () => {
    const o = opts('quality:70', { presets: ['default=resizing_type:fill/blur:0.2/quality:50'] });
    expect(o).toMatchObject({ resizingType: 'fill', blur: 0.2, quality: 70, usedPresets: ['default'] });
    expect(opts('w:1', { presets: ['default=q:50'] }).quality).toBe(50);
  });

  it('expands a preset that reaches itself only once', () => {
    const o = opts('preset:test1', {
      presets: ['test1=resizing_type:fill/preset:test2', 'test2=blur:0.2/preset:test1'],
    });
    expect(o.usedPresets).toEqual(['test1', 'test2']);
    expect(o).toMatchObject({ resizingType: 'fill', blur: 0.2 });
  });

  it('refuses unknown presets with 404', () => {
    expect(optionFailure('pr:nope')).toEqual([404, 'Unknown preset: nope']);
  });

  it('lets later options override a preset, and a preset override earlier options', () => {
    const init = { presets: ['small=rs:fit:100:100'] };
    expect(opts('pr:small/w:300', init)).toMatchObject({ width: 300, height: 100 });
    expect(opts('w:300/pr:small', init)).toMatchObject({ width: 100, height: 100 });
  });
});

describe('only-presets mode', () => {
  const init = { onlyPresets: true, presets: ['test1=blur:0.2', 'test2=quality:50'] };

  it('reads the options segment as preset names (plain source)', () => {
    const r = parse(`/test1:test2/plain/${SOURCE}@png`, init);
    expect(r.options).toMatchObject({
      blur: 0.2,
      quality: 50,
      format: 'png',
      usedPresets: ['test1', 'test2'],
    });
    expect(r.sourceUrl).toBe(SOURCE);
  });

  it('reads the options segment as preset names (base64 source)', () => {
    const origin = `${SOURCE}?param=value`;
    const r = parse(`/test1:test2/${Buffer.from(origin).toString('base64url')}.png`, init);
    expect(r.options).toMatchObject({ blur: 0.2, quality: 50, format: 'png' });
    expect(r.sourceUrl).toBe(origin);
  });

  it('refuses options and unknown names', () => {
    expect(() => parse(`/w:100/plain/${SOURCE}`, init)).toThrow('Unknown preset: w');
    expect(() => parse(`/plain/${SOURCE}`, init)).toThrow('Unknown preset: plain');
  });

  it('still applies the default preset', () => {
    const r = parse(`/test1/plain/${SOURCE}`, { ...init, presets: [...init.presets, 'default=w:10'] });
    expect(r.options).toMatchObject({ width: 10, blur: 0.2, usedPresets: ['default', 'test1'] });
  });
});
