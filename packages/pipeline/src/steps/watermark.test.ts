import type { WatermarkPosition } from '@tintype/url';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { Pixels } from '../pixels.js';
import { colourAt, run } from '../test-images.js';
import { replicateCentred } from './watermark.js';

const plain = (width: number, height: number, colour: number[]) =>
  sharp({
    create: { width, height, channels: 3, background: { r: colour[0]!, g: colour[1]!, b: colour[2]! } },
  })
    .png()
    .toBuffer();

const source = await plain(400, 200, [128, 128, 128]);
const mark = await plain(40, 20, [255, 0, 0]);
const RED = [255, 0, 0];
const GREY = [128, 128, 128];

const wm = (
  position: WatermarkPosition,
  extra: Partial<{ opacity: number; x: number; y: number; scale: number }> = {},
) => ({
  watermark: { opacity: 1, position, x: 0, y: 0, scale: 0, ...extra },
});
const withMark = { watermark: mark };

describe('watermark', () => {
  const corners: [WatermarkPosition, [number, number], [number, number]][] = [
    ['nowe', [5, 5], [395, 195]],
    ['noea', [395, 5], [5, 195]],
    ['sowe', [5, 195], [395, 5]],
    ['soea', [395, 195], [5, 5]],
    ['no', [200, 5], [200, 195]],
    ['so', [200, 195], [200, 5]],
    ['we', [5, 100], [395, 100]],
    ['ea', [395, 100], [5, 100]],
    ['ce', [200, 100], [5, 5]],
  ];
  for (const [position, covered, clear] of corners) {
    it(`draws at ${position}`, async () => {
      const result = await run(source, wm(position), 'png', withMark);
      expect(await colourAt(result.data, ...covered)).toEqual(RED);
      expect(await colourAt(result.data, ...clear)).toEqual(GREY);
    });
  }

  it('moves by offsets', async () => {
    const result = await run(source, wm('nowe', { x: 10, y: 5 }), 'png', withMark);
    expect(await colourAt(result.data, 9, 10)).toEqual(GREY);
    expect(await colourAt(result.data, 10, 5)).toEqual(RED);
    expect(await colourAt(result.data, 49, 24)).toEqual(RED);
    expect(await colourAt(result.data, 50, 24)).toEqual(GREY);
  });

  it('blends by opacity, times IMGPROXY_WATERMARK_OPACITY', async () => {
    const half = await run(source, wm('ce', { opacity: 0.5 }), 'png', withMark);
    const [r, g] = await colourAt(half.data, 200, 100);
    expect(Math.abs(r! - 191)).toBeLessThanOrEqual(2);
    expect(Math.abs(g! - 64)).toBeLessThanOrEqual(2);
    const configured = await run(source, wm('ce'), 'png', { ...withMark, watermarkOpacity: 0.5 });
    expect(await colourAt(configured.data, 200, 100)).toEqual(await colourAt(half.data, 200, 100));
  });

  it('tiles with re, the offsets becoming gaps between tiles', async () => {
    const tiled = await run(source, wm('re'), 'png', withMark);
    for (const [x, y] of [
      [0, 0],
      [399, 199],
      [123, 77],
    ] as const)
      expect(await colourAt(tiled.data, x, y)).toEqual(RED);

    // Tiles of 40x20 with gaps of 20x10 around them: 60x30 cells, centred on the image.
    const gaps = await run(source, wm('re', { x: 20, y: 10 }), 'png', withMark);
    expect(await colourAt(gaps.data, 0, 0)).toEqual(RED);
    expect(await colourAt(gaps.data, 40, 0)).toEqual(GREY);
    expect(await colourAt(gaps.data, 0, 20)).toEqual(GREY);
    expect(await colourAt(gaps.data, 60, 30)).toEqual(RED);
  });

  it('scales relative to the result with scale', async () => {
    const result = await run(source, wm('nowe', { scale: 0.5 }), 'png', withMark);
    expect(await colourAt(result.data, 195, 95)).toEqual(RED);
    expect(await colourAt(result.data, 205, 5)).toEqual(GREY);
  });

  it('scales pixel offsets by dpr', async () => {
    const result = await run(source, { ...wm('nowe', { x: 10 }), dpr: 0.5 }, 'png', withMark);
    expect([result.width, result.height]).toEqual([200, 100]);
    expect(await colourAt(result.data, 4, 5)).toEqual(GREY);
    expect(await colourAt(result.data, 5, 5)).toEqual(RED);
  });

  it('does not give an opaque result an alpha channel', async () => {
    const result = await run(source, wm('ce', { opacity: 0.5 }), 'png', withMark);
    expect((await sharp(result.data).metadata()).hasAlpha).toBe(false);
  });

  it('draws nothing without a configured watermark image or with opacity 0', async () => {
    expect(await colourAt((await run(source, wm('ce'))).data, 200, 100)).toEqual(GREY);
    expect(
      await colourAt((await run(source, wm('ce', { opacity: 0 }), 'png', withMark)).data, 200, 100),
    ).toEqual(GREY);
  });

  it('refuses a broken watermark image with a 422', async () => {
    await expect(run(source, wm('ce'), 'png', { watermark: Buffer.from('nope') })).rejects.toMatchObject({
      status: 422,
    });
  });
});

describe('replicateCentred', () => {
  it('centres an odd number of tiles', () => {
    // A 2x1 tile [a, b] over 3 px: 3 tiles (odd) = 6 px, window starts at (6 - 3) / 2 = 1: b a b.
    const tile: Pixels = {
      data: Buffer.from([1, 1, 1, 2, 2, 2]),
      width: 2,
      height: 1,
      channels: 3,
      depth: 8,
    };
    expect([...replicateCentred(tile, 3, 1).data]).toEqual([2, 2, 2, 1, 1, 1, 2, 2, 2]);
  });
});
