import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { colourAt, run } from '../test-images.js';

/** 20x20, left half opaque red, right half fully transparent. */
const halfTransparent = () => {
  const data = Buffer.alloc(20 * 20 * 4);
  for (let y = 0; y < 20; y++) for (let x = 0; x < 10; x++) data.set([255, 0, 0, 255], (y * 20 + x) * 4);
  return sharp(data, { raw: { width: 20, height: 20, channels: 4 } })
    .png()
    .toBuffer();
};

describe('flatten', () => {
  it('keeps alpha in PNG when no background is asked for', async () => {
    const result = await run(await halfTransparent());
    expect((await colourAt(result.data, 15, 10))[3]).toBe(0);
  });

  it('flattens onto white for formats without alpha', async () => {
    const result = await run(await halfTransparent(), {}, 'jpeg');
    const [r, g, b] = await colourAt(result.data, 15, 10);
    expect(Math.min(r!, g!, b!)).toBeGreaterThan(250);
  });

  it('flattens onto the background colour, even for formats with alpha', async () => {
    const result = await run(await halfTransparent(), { background: { r: 0, g: 0, b: 255 } });
    expect(await colourAt(result.data, 15, 10)).toEqual([0, 0, 255]);
    expect(await colourAt(result.data, 5, 10)).toEqual([255, 0, 0]);
  });
});
