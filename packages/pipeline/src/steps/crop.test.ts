import type { Gravity, GravityType } from '@tintype/url';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { colourAt, gridImage, orientedGrid, type Region, regionAt, run } from '../test-images.js';
import { cropImage } from './crop.js';

const g = (type: GravityType, x = 0, y = 0): Gravity => ({ type, x, y });
const crop50 = (gravity: Gravity) => ({ crop: { width: 50, height: 50, gravity } });

const source = await gridImage();

describe('crop', () => {
  // The grid's cells are 67x33 px; a 50x50 crop centred in each ninth lands in that cell.
  for (const type of ['nowe', 'no', 'noea', 'we', 'ce', 'ea', 'sowe', 'so', 'soea'] as const) {
    it(`keeps the ${type} part for gravity ${type}`, async () => {
      const result = await run(source, crop50(g(type)));
      expect(await regionAt(result.data, 25, 25)).toBe(type as Region);
    });
  }

  it('moves the window by pixel offsets, exactly', async () => {
    // With gravity west, x offset 17 puts source column 66 (the last of the left cells) at result x 49.
    expect(await regionAt((await run(source, crop50(g('we', 17)))).data, 49, 25)).toBe('we');
    expect(await regionAt((await run(source, crop50(g('we', 18)))).data, 49, 25)).toBe('ce');
  });

  it('reads offsets below 1 as fractions of the image', async () => {
    // 0.09 of 200 is 18 px.
    expect(await regionAt((await run(source, crop50(g('we', 0.09)))).data, 49, 25)).toBe('ce');
  });

  it('points east offsets inwards, as imgproxy does', async () => {
    const result = await run(source, crop50(g('ea', 18)));
    expect(await regionAt(result.data, 0, 25)).toBe('ce');
  });

  it('centres the window on a focus point, clamped to the image', async () => {
    expect(await regionAt((await run(source, crop50(g('fp', 0.5, 0.5)))).data, 25, 25)).toBe('ce');
    expect(await regionAt((await run(source, crop50(g('fp', 1, 1)))).data, 25, 25)).toBe('soea');
    expect(await regionAt((await run(source, crop50(g('fp', 0.1, 0.9)))).data, 10, 40)).toBe('sowe');
  });

  it('falls back to the general gravity when the crop names none', async () => {
    const result = await run(source, { crop: { width: 50, height: 50, gravity: null }, gravity: g('soea') });
    expect(await regionAt(result.data, 25, 25)).toBe('soea');
  });

  it('turns its gravity with the rotation, so it names the rotated image', async () => {
    // After rotate 90 the source's south-west corner is at the top-left.
    const result = await run(source, { ...crop50(g('nowe')), rotate: 90 });
    expect(await regionAt(result.data, 5, 5)).toBe('sowe');
    const flipped = await run(source, { ...crop50(g('nowe')), flip: { horizontal: true, vertical: false } });
    expect(await regionAt(flipped.data, 5, 5)).toBe('noea');
  });

  it('turns its gravity with the EXIF orientation', async () => {
    // Orientation 6 stores the grid turned; the crop still names the upright image.
    const result = await run(await orientedGrid(6), crop50(g('soea')));
    expect(await regionAt(result.data, 45, 45)).toBe('soea');
  });

  it('finds the interesting part with smart gravity', async () => {
    // A flat grey image with one busy, saturated patch near the bottom-right corner.
    const width = 300;
    const height = 200;
    const data = Buffer.alloc(width * height * 3, 128);
    for (let y = 140; y < 190; y++) {
      for (let x = 230; x < 290; x++) {
        const on = (x + y) % 2 === 0;
        data.set(on ? [255, 0, 0] : [0, 0, 255], (y * width + x) * 3);
      }
    }
    const busy = await sharp(data, { raw: { width, height, channels: 3 } })
      .png()
      .toBuffer();
    const result = await run(busy, { crop: { width: 80, height: 80, gravity: g('sm') } });
    expect([result.width, result.height]).toEqual([80, 80]);
    const [r, , b] = await colourAt(result.data, 40, 40);
    expect(r! + b!).toBeGreaterThan(200); // the patch, not the grey
  });
});

describe('cropImage', () => {
  it('leaves the image alone when the crop covers it', async () => {
    const image = {
      data: Buffer.alloc(10 * 10 * 3),
      width: 10,
      height: 10,
      channels: 3 as const,
      depth: 8 as const,
    };
    expect(await cropImage(image, 20, 0, g('ce'), 1)).toBe(image);
    expect(await cropImage(image, 0, 0, g('ce'), 1)).toBe(image);
  });

  it('scales pixel offsets by the offset scale (dpr after scaling)', async () => {
    const data = Buffer.alloc(100 * 10 * 3);
    for (let x = 0; x < 100; x++) for (let y = 0; y < 10; y++) data[(y * 100 + x) * 3] = x;
    const image = { data, width: 100, height: 10, channels: 3 as const, depth: 8 as const };
    const cut = await cropImage(image, 10, 10, g('we', 5), 2);
    expect(cut.data[0]).toBe(10);
  });
});
