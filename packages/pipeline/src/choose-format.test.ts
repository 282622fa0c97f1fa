import { defaultOptions, type ImageFormat, type ProcessingOptions } from '@tintype/url';
import { describe, expect, it } from 'vitest';
import { chooseOutputFormat, type FormatChoiceInput, type FormatSettings } from './choose-format.js';
import type { SourceInfo } from './probe.js';

const source = (format: ImageFormat, patch: Partial<SourceInfo> = {}): SourceInfo => ({
  format,
  width: 100,
  height: 100,
  pages: 1,
  hasAlpha: false,
  orientation: 1,
  isAnimated: false,
  delay: [],
  loop: 0,
  ...patch,
});
const animatedGif = source('gif', { pages: 3, isAnimated: true, hasAlpha: true });

const settings = (patch: Partial<FormatSettings> = {}): FormatSettings => ({
  autoWebp: false,
  enforceWebp: false,
  autoAvif: false,
  enforceAvif: false,
  preferredFormats: ['jpeg', 'png', 'gif'],
  ...patch,
});

const animationsAllowed = (): ProcessingOptions => {
  const o = defaultOptions();
  o.security.maxAnimationFrames = 10;
  return o;
};

function choose(patch: Partial<FormatChoiceInput>) {
  return chooseOutputFormat({
    requested: null,
    source: source('jpeg'),
    accept: { webp: false, avif: false },
    settings: settings(),
    options: defaultOptions(),
    ...patch,
  });
}

const both = { webp: true, avif: true };

describe('chooseOutputFormat', () => {
  it('keeps a preferred source format', () => {
    expect(choose({})).toEqual({ format: 'jpeg', varyAccept: false, skipProcessing: false });
    expect(choose({ source: source('png') }).format).toBe('png');
  });

  it('picks the first preferred format for a source that is not preferred', () => {
    expect(choose({ source: source('webp') }).format).toBe('jpeg');
    expect(choose({ source: source('tiff') }).format).toBe('jpeg');
  });

  it('picks a preferred format that carries transparency when the result has some', () => {
    expect(choose({ source: source('webp', { hasAlpha: true }) }).format).toBe('png');
    const padded = defaultOptions();
    padded.padding.top = 5;
    expect(choose({ source: source('webp'), options: padded }).format).toBe('png');
    const extended = defaultOptions();
    extended.extend.enabled = true;
    expect(choose({ source: source('webp'), options: extended }).format).toBe('png');
    // A background flattens, so no transparency is left.
    const flat = defaultOptions();
    flat.background = { r: 0, g: 0, b: 0 };
    expect(choose({ source: source('webp', { hasAlpha: true }), options: flat }).format).toBe('jpeg');
  });

  it('picks a preferred format that carries animation for an animated result', () => {
    const webpAnim = source('webp', { pages: 3, isAnimated: true });
    expect(choose({ source: webpAnim, options: animationsAllowed() }).format).toBe('gif');
    expect(choose({ source: webpAnim }).format).toBe('jpeg'); // one frame only
  });

  it('falls back to the first preferred format when none fits', () => {
    expect(
      choose({
        source: source('webp', { hasAlpha: true }),
        settings: settings({ preferredFormats: ['jpeg'] }),
      }).format,
    ).toBe('jpeg');
  });

  it('ignores preferred formats that cannot be saved', () => {
    expect(
      choose({ source: source('tiff'), settings: settings({ preferredFormats: ['jxl', 'webp'] }) }).format,
    ).toBe('webp');
  });

  it('negotiates by Accept with AUTO_*', () => {
    expect(choose({ accept: both, settings: settings({ autoWebp: true }) })).toEqual({
      format: 'webp',
      varyAccept: true,
      skipProcessing: false,
    });
    expect(choose({ accept: both, settings: settings({ autoWebp: true, autoAvif: true }) }).format).toBe(
      'avif',
    );
    expect(
      choose({ accept: { webp: true, avif: false }, settings: settings({ autoWebp: true, autoAvif: true }) })
        .format,
    ).toBe('webp');
    expect(choose({ accept: { webp: false, avif: false }, settings: settings({ autoWebp: true }) })).toEqual({
      format: 'jpeg',
      varyAccept: true,
      skipProcessing: false,
    });
  });

  it('never picks AVIF for an animated result', () => {
    const s = settings({ autoAvif: true, autoWebp: true });
    expect(
      choose({ source: animatedGif, accept: both, settings: s, options: animationsAllowed() }).format,
    ).toBe('webp');
    expect(
      choose({
        source: animatedGif,
        accept: both,
        settings: settings({ enforceAvif: true }),
        requested: 'gif',
        options: animationsAllowed(),
      }).format,
    ).toBe('gif');
    // One frame only: AVIF is fine.
    expect(choose({ source: animatedGif, accept: both, settings: s }).format).toBe('avif');
  });

  it('lets an explicit format win over AUTO_*', () => {
    expect(
      choose({ requested: 'png', accept: both, settings: settings({ autoWebp: true, autoAvif: true }) })
        .format,
    ).toBe('png');
  });

  it('lets ENFORCE_* override even an explicit format, as imgproxy does', () => {
    expect(choose({ requested: 'png', accept: both, settings: settings({ enforceWebp: true }) }).format).toBe(
      'webp',
    );
    expect(
      choose({ requested: 'png', accept: both, settings: settings({ enforceAvif: true, enforceWebp: true }) })
        .format,
    ).toBe('avif');
    expect(
      choose({
        requested: 'png',
        accept: { webp: false, avif: false },
        settings: settings({ enforceWebp: true }),
      }).format,
    ).toBe('png');
  });

  it('returns SVG as SVG unless rasterizing is asked for', () => {
    const svg = source('svg', { hasAlpha: true });
    expect(choose({ source: svg })).toEqual({ format: 'svg', varyAccept: false, skipProcessing: true });
    expect(choose({ source: svg, requested: 'svg' }).skipProcessing).toBe(true);
    expect(choose({ source: svg, requested: 'png' })).toEqual({
      format: 'png',
      varyAccept: false,
      skipProcessing: false,
    });
    expect(choose({ source: svg, settings: settings({ alwaysRasterizeSvg: true }) }).format).toBe('png');
    const skipSvg = defaultOptions();
    skipSvg.skipProcessingFormats = ['svg'];
    expect(
      choose({ source: svg, options: skipSvg, settings: settings({ alwaysRasterizeSvg: true }) }).format,
    ).toBe('svg');
  });

  it('skips processing for IMGPROXY_SKIP_PROCESSING_FORMATS unless another format is asked for', () => {
    const o = defaultOptions();
    o.skipProcessingFormats = ['webp'];
    const webp = source('webp');
    expect(
      choose({ source: webp, options: o, accept: both, settings: settings({ autoAvif: true }) }),
    ).toEqual({
      format: 'webp',
      varyAccept: true,
      skipProcessing: true,
    });
    expect(choose({ source: webp, options: o, requested: 'webp' }).skipProcessing).toBe(true);
    expect(choose({ source: webp, options: o, requested: 'png' }).skipProcessing).toBe(false);
  });

  it('refuses formats that cannot be written with a 422', () => {
    expect(() => choose({ requested: 'bmp' })).toThrow('Resulting image format is not supported: bmp');
    expect(() => choose({ requested: 'svg' })).toThrow('Resulting image format is not supported: svg');
  });
});
