import { describe, expect, it } from 'vitest';
import type { Pixels } from '../pixels.js';
import { colourAt, gridImage, run } from '../test-images.js';
import { pixelate } from './filters.js';

describe('filters', () => {
  it('blurs: a hard edge between two regions becomes a ramp', async () => {
    const source = await gridImage();
    const sharpEdge = await colourAt((await run(source)).data, 66, 50);
    const blurred = await colourAt((await run(source, { blur: 5 })).data, 66, 50);
    // Column 66 is the last yellow one; the blur mixes in the magenta next to it.
    expect(sharpEdge).toEqual([255, 255, 0]);
    expect(blurred[1]).toBeLessThan(230);
    expect(blurred[1]).toBeGreaterThan(30);
  });

  it('sharpens: pixels next to an edge overshoot', async () => {
    const source = await gridImage('png', 200, 100);
    const soft = await run(source, { blur: 2 });
    const both = await run(source, { blur: 2, sharpen: 3 });
    expect(await colourAt(both.data, 63, 50)).not.toEqual(await colourAt(soft.data, 63, 50));
  });

  it('pixelates in blocks of the given size', async () => {
    const result = await run(await gridImage(), { pixelate: 10 });
    // Block 60-69 straddles the yellow/magenta edge at 66/67: every pixel of it is the same mix.
    const a = await colourAt(result.data, 60, 50);
    const b = await colourAt(result.data, 69, 59);
    expect(a).toEqual(b);
    expect(a).toEqual([255, Math.round((7 * 255) / 10), Math.round((3 * 255) / 10)]);
  });

  it('averages mirrored pixels into blocks cut by the edge', () => {
    // 3x1 image, blocks of 2: the second block is [x2, mirrored x2].
    const image: Pixels = {
      data: Buffer.from([0, 0, 0, 100, 100, 100, 200, 200, 200]),
      width: 3,
      height: 1,
      channels: 3,
      depth: 8,
    };
    expect([...pixelate(image, 2).data]).toEqual([50, 50, 50, 50, 50, 50, 200, 200, 200]);
  });

  it('keeps the size', async () => {
    const result = await run(await gridImage(), { blur: 1, sharpen: 1, pixelate: 7 });
    expect([result.width, result.height]).toEqual([200, 100]);
  });
});
