import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { gridImage, orientedGrid, type Region, regionAt, run, sizeOf } from '../test-images.js';

/** The regions seen at the four corners of a result, clockwise from top-left. */
async function corners(image: Buffer): Promise<Region[]> {
  const { width, height } = await sizeOf(image);
  return Promise.all([
    regionAt(image, 2, 2),
    regionAt(image, width - 3, 2),
    regionAt(image, width - 3, height - 3),
    regionAt(image, 2, height - 3),
  ]);
}

const UPRIGHT: Region[] = ['nowe', 'noea', 'soea', 'sowe'];

describe('EXIF orientation', () => {
  it('builds test images that sharp itself shows upright', async () => {
    for (const orientation of [1, 2, 3, 4, 5, 6, 7, 8]) {
      const upright = await sharp(await orientedGrid(orientation))
        .autoOrient()
        .png()
        .toBuffer();
      expect(await corners(upright)).toEqual(UPRIGHT);
    }
  });

  for (const orientation of [1, 2, 3, 4, 5, 6, 7, 8]) {
    it(`shows orientation ${orientation} upright with auto_rotate`, async () => {
      const result = await run(await orientedGrid(orientation));
      expect([result.width, result.height]).toEqual([200, 100]);
      expect([result.originWidth, result.originHeight]).toEqual([200, 100]);
      expect(await corners(result.data)).toEqual(UPRIGHT);
    });

    it(`leaves orientation ${orientation} as stored without auto_rotate`, async () => {
      const source = await orientedGrid(orientation);
      const stored = await sizeOf(source);
      const result = await run(source, { autoRotate: false });
      expect([result.width, result.height]).toEqual([stored.width, stored.height]);
    });
  }

  it('applies the EXIF orientation before the requested rotation', async () => {
    const result = await run(await orientedGrid(6), { rotate: 90 });
    expect([result.width, result.height]).toEqual([100, 200]);
    expect(await corners(result.data)).toEqual(['sowe', 'nowe', 'noea', 'soea']);
  });
});

describe('rotate and flip', () => {
  const cases: [string, Parameters<typeof run>[1], [number, number], Region[]][] = [
    ['rotate 90', { rotate: 90 }, [100, 200], ['sowe', 'nowe', 'noea', 'soea']],
    ['rotate 180', { rotate: 180 }, [200, 100], ['soea', 'sowe', 'nowe', 'noea']],
    ['rotate 270', { rotate: 270 }, [100, 200], ['noea', 'soea', 'sowe', 'nowe']],
    [
      'flip horizontal',
      { flip: { horizontal: true, vertical: false } },
      [200, 100],
      ['noea', 'nowe', 'sowe', 'soea'],
    ],
    [
      'flip vertical',
      { flip: { horizontal: false, vertical: true } },
      [200, 100],
      ['sowe', 'soea', 'noea', 'nowe'],
    ],
    [
      'rotate 90 then flip horizontal',
      { rotate: 90, flip: { horizontal: true, vertical: false } },
      [100, 200],
      ['nowe', 'sowe', 'soea', 'noea'],
    ],
  ];
  for (const [name, options, size, expected] of cases) {
    it(name, async () => {
      const result = await run(await gridImage(), options);
      expect([result.width, result.height]).toEqual(size);
      expect(await corners(result.data)).toEqual(expected);
    });
  }
});
