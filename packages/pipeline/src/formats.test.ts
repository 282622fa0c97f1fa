import type { ImageFormat } from '@tintype/url';
import { describe, expect, it } from 'vitest';
import { FORMATS } from './formats.js';
import { gridImage, regionAt, run, sizeOf } from './test-images.js';

const LOADABLE = ['jpeg', 'png', 'webp', 'avif', 'gif', 'tiff', 'svg'] as const;
const SAVEABLE = ['jpeg', 'png', 'webp', 'avif', 'gif', 'tiff'] as const;

/** The grid drawn as an SVG: nine rectangles. */
function gridSvg(): Buffer {
  const colours = ['#f00', '#0f0', '#00f', '#ff0', '#f0f', '#0ff', '#8000ff', '#008000', '#ff8000'];
  const rects = colours.map((fill, i) => {
    const x = [0, 67, 134][i % 3];
    const y = [0, 33, 67][Math.floor(i / 3)];
    return `<rect x="${x}" y="${y}" width="67" height="34" fill="${fill}"/>`;
  });
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100">${rects.join('')}</svg>`,
  );
}

const sources: Record<(typeof LOADABLE)[number], () => Promise<Buffer>> = {
  jpeg: () => gridImage('jpeg'),
  png: () => gridImage('png'),
  webp: () => gridImage('webp'),
  avif: () => gridImage('avif'),
  gif: () => gridImage('gif'),
  tiff: () => gridImage('tiff'),
  svg: async () => gridSvg(),
};

/** How sharp names what it reads back. */
const sharpName = (f: ImageFormat) => (f === 'avif' ? 'heif' : f);

describe('conversion matrix', () => {
  for (const from of LOADABLE) {
    for (const to of SAVEABLE) {
      it(`${from} -> ${to}`, async () => {
        const result = await run(await sources[from](), { width: 100 }, to);
        expect(result.format).toBe(to);
        const actual = await sizeOf(result.data);
        expect(actual).toEqual({ width: 100, height: 50, format: sharpName(to) });
        expect(await regionAt(result.data, 8, 8)).toBe('nowe');
        expect(await regionAt(result.data, 92, 42)).toBe('soea');
      });
    }
  }
});

describe('format table', () => {
  it('agrees with what the build can do', () => {
    for (const f of LOADABLE) expect(FORMATS[f].canLoad).toBe(true);
    for (const f of SAVEABLE) expect(FORMATS[f].canSave).toBe(true);
    for (const f of ['heic', 'bmp', 'ico', 'jxl'] as const) {
      expect(FORMATS[f].canLoad).toBe(false);
      expect(FORMATS[f].canSave).toBe(false);
    }
    expect(FORMATS.svg.canSave).toBe(false);
  });

  it('describes every format', () => {
    expect(FORMATS.jpeg).toMatchObject({
      mime: 'image/jpeg',
      extension: 'jpg',
      supportsAlpha: false,
      supportsQuality: true,
    });
    expect(FORMATS.webp).toMatchObject({ supportsAnimation: true, supportsAlpha: true, maxDimension: 16383 });
    expect(FORMATS.gif).toMatchObject({ supportsAnimation: true, supportsQuality: false });
    expect(FORMATS.avif).toMatchObject({ supportsAnimation: false, maxDimension: 16384 });
  });
});

describe('formats sharp cannot handle', () => {
  const header = (bytes: number[], text = '') =>
    Buffer.concat([Buffer.from(bytes), Buffer.from(text), Buffer.alloc(64)]);
  const cases: [string, Buffer, RegExp][] = [
    ['BMP', header([], 'BM'), /bmp images cannot be decoded/],
    ['ICO', header([0, 0, 1, 0, 1, 0]), /ico images cannot be decoded/],
    ['JPEG XL codestream', header([0xff, 0x0a]), /jxl images cannot be decoded/],
    ['JPEG XL container', header([0, 0, 0, 0x0c], 'JXL \r\n\x87\n'), /jxl images cannot be decoded/],
  ];
  for (const [name, input, message] of cases) {
    it(`refuses ${name} with a 422 naming it`, async () => {
      await expect(run(input)).rejects.toMatchObject({
        status: 422,
        publicMessage: expect.stringMatching(message),
      });
    });
  }

  for (const to of ['heic', 'bmp', 'ico', 'jxl', 'svg'] as const) {
    it(`refuses to write ${to}`, async () => {
      await expect(run(await gridImage(), {}, to)).rejects.toMatchObject({
        status: 422,
        publicMessage: `Resulting image format is not supported: ${to}`,
      });
    });
  }
});
