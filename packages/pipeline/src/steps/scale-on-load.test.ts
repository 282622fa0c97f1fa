import { describe, expect, it } from 'vitest';
import { contextOf, gridImage, orientedGrid, regionAt, run } from '../test-images.js';
import { scaleOnLoad } from './scale-on-load.js';

const svg = (width: number, height: number) =>
  Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="${width / 2}" height="${height}" fill="#f00"/></svg>`,
  );

describe('scale on load', () => {
  it('decodes a JPEG at 1/8 when the result is at least 8 times smaller', async () => {
    const ctx = await contextOf(await gridImage('jpeg', 2000, 1000), { width: 200 });
    await scaleOnLoad(ctx);
    expect([ctx.frames[0]!.width, ctx.frames[0]!.height]).toEqual([250, 125]);
    // What is left to do: 250 -> 200.
    expect(ctx.geometry.wScale).toBeCloseTo(0.8);
  });

  it('picks the largest JPEG shrink not above the needed one', async () => {
    const ctx = await contextOf(await gridImage('jpeg', 2000, 1000), { width: 600 });
    await scaleOnLoad(ctx);
    expect(ctx.frames[0]!.width).toBe(1000);
  });

  it('decodes at full size with IMGPROXY_DISABLE_SHRINK_ON_LOAD', async () => {
    const ctx = await contextOf(await gridImage('jpeg', 2000, 1000), { width: 200 }, 'png', {
      disableShrinkOnLoad: true,
    });
    await scaleOnLoad(ctx);
    expect(ctx.frames[0]!.width).toBe(2000);
  });

  it('decodes a PNG at full size (no scaled decoding)', async () => {
    const ctx = await contextOf(await gridImage('png', 400, 200), { width: 50 });
    await scaleOnLoad(ctx);
    expect(ctx.frames[0]!.width).toBe(400);
  });

  it('decodes a WebP at the exact scale', async () => {
    const ctx = await contextOf(await gridImage('webp', 400, 200), { width: 100 });
    await scaleOnLoad(ctx);
    expect([ctx.frames[0]!.width, ctx.frames[0]!.height]).toEqual([100, 50]);
    expect(ctx.geometry.wScale).toBe(1);
  });

  it('renders an SVG straight at the target size, larger too', async () => {
    const ctx = await contextOf(svg(100, 50), { width: 400 });
    await scaleOnLoad(ctx);
    expect([ctx.frames[0]!.width, ctx.frames[0]!.height]).toEqual([400, 200]);
    const result = await run(svg(100, 50), { width: 400 });
    expect([result.width, result.height]).toEqual([400, 200]);
  });

  it('gives the same result sizes as full decoding', async () => {
    const source = await gridImage('jpeg', 2000, 1000);
    for (const options of [{ width: 123 }, { width: 300, height: 70, resizingType: 'fill' as const }]) {
      const fast = await run(source, options);
      const slow = await run(source, options, 'png', { disableShrinkOnLoad: true });
      expect([fast.width, fast.height]).toEqual([slow.width, slow.height]);
    }
  });

  it('shrinks a turned JPEG on load and still shows it upright', async () => {
    const source = await orientedGrid(6, 'jpeg', 2000, 1000);
    const ctx = await contextOf(source, { width: 100 });
    await scaleOnLoad(ctx);
    // Stored 1000x2000: decoded at 1/8, still turned (rotation comes later).
    expect([ctx.frames[0]!.width, ctx.frames[0]!.height]).toEqual([125, 250]);
    const result = await run(source, {
      width: 100,
      crop: { width: 1000, height: 500, gravity: { type: 'nowe', x: 0, y: 0 } },
    });
    expect([result.width, result.height]).toEqual([100, 50]);
    expect(await regionAt(result.data, 10, 10)).toBe('nowe');
    expect(await regionAt(result.data, 90, 40)).toBe('ce');
  });

  it("renders a tiny SVG as large as asked, past sharp's density range", async () => {
    const result = await run(svg(2, 1), { width: 4000, height: 2000 });
    expect([result.width, result.height]).toEqual([4000, 2000]);
  });

  it('adjusts a crop to the shrunk image', async () => {
    // Crop the south-east 600x300 of a 2000x1000 JPEG, then shrink to 60 wide: decoded at 1/8.
    const options = {
      width: 60,
      crop: { width: 600, height: 300, gravity: { type: 'soea' as const, x: 0, y: 0 } },
    };
    const result = await run(await gridImage('jpeg', 2000, 1000), options);
    expect([result.width, result.height]).toEqual([60, 30]);
    expect(await regionAt(result.data, 30, 15)).toBe('soea');
  });
});
