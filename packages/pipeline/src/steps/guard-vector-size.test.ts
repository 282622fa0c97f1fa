import { describe, expect, it } from 'vitest';
import { contextOf, gridImage } from '../test-images.js';
import { guardVectorSize } from './guard-vector-size.js';
import { scaleOnLoad } from './scale-on-load.js';

const svg = (width: number, height: number) =>
  Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="10" height="10"/></svg>`,
  );

describe('guard vector size', () => {
  it('renders an SVG above max_src_resolution smaller instead of refusing it', async () => {
    const ctx = await contextOf(svg(2000, 1000), {
      security: {
        maxSrcResolution: 20_000,
        maxSrcFileSize: 0,
        maxAnimationFrames: 1,
        maxAnimationFrameResolution: 0,
        maxResultDimension: 0,
      },
    });
    guardVectorSize(ctx);
    expect(ctx.vectorBaseShrink).toBeCloseTo(10);
    await scaleOnLoad(ctx);
    expect([ctx.frames[0]!.width, ctx.frames[0]!.height]).toEqual([200, 100]);
  });

  it('leaves raster images alone', async () => {
    const ctx = await contextOf(await gridImage());
    guardVectorSize(ctx);
    expect(ctx.vectorBaseShrink).toBe(1);
  });
});
