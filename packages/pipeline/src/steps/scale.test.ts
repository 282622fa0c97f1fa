import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { colourAt, run } from '../test-images.js';

/** Black and white pixels alternating: its average is 50% light, which sRGB encodes as about 188, not 128. */
async function checkerboard(): Promise<Buffer> {
  const size = 64;
  const data = Buffer.alloc(size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++)
      if ((x + y) % 2 === 0) data.fill(255, (y * size + x) * 3, (y * size + x) * 3 + 3);
  }
  return sharp(data, { raw: { width: size, height: size, channels: 3 } })
    .png()
    .toBuffer();
}

describe('scale', () => {
  it('averages in gamma space by default', async () => {
    const result = await run(await checkerboard(), { width: 8 });
    const [v] = await colourAt(result.data, 4, 4);
    expect(Math.abs(v! - 128)).toBeLessThan(10);
  });

  it('averages light in linear space with IMGPROXY_USE_LINEAR_COLORSPACE', async () => {
    const result = await run(await checkerboard(), { width: 8 }, 'png', { useLinearColorspace: true });
    const [v] = await colourAt(result.data, 4, 4);
    expect(Math.abs(v! - 188)).toBeLessThan(10);
  });

  it('scales the sides separately for force', async () => {
    const result = await run(await checkerboard(), { resizingType: 'force', width: 32, height: 8 });
    expect([result.width, result.height]).toEqual([32, 8]);
  });
});
