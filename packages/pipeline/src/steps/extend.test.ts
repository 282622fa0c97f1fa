import type { GravityType } from '@tintype/url';
import { describe, expect, it } from 'vitest';
import { colourAt, gridImage, regionAt, run } from '../test-images.js';

const extend = (type: GravityType, x = 0, y = 0) => ({
  width: 300,
  height: 300,
  extend: { enabled: true, gravity: { type, x, y } },
});

describe('extend', () => {
  it('places the image where the gravity says, on a transparent canvas', async () => {
    const source = await gridImage();
    const nw = await run(source, extend('nowe'));
    expect([nw.width, nw.height]).toEqual([300, 300]);
    expect(await regionAt(nw.data, 5, 5)).toBe('nowe');
    expect((await colourAt(nw.data, 250, 250))[3]).toBe(0);

    const se = await run(source, extend('soea'));
    expect(await regionAt(se.data, 295, 295)).toBe('soea');
    expect((await colourAt(se.data, 5, 5))[3]).toBe(0);

    const ce = await run(source, extend('ce'));
    // (300 - 200 + 1) / 2 rounded to even: 50; (300 - 100 + 1) / 2: 100.
    expect((await colourAt(ce.data, 49, 150))[3]).toBe(0);
    expect(await regionAt(ce.data, 50, 100)).toBe('nowe');
  });

  it('moves the image by offsets', async () => {
    const result = await run(await gridImage(), extend('nowe', 10, 20));
    expect((await colourAt(result.data, 9, 25))[3]).toBe(0);
    expect(await regionAt(result.data, 10, 20)).toBe('nowe');
  });

  it('fills with the background colour, and with white for JPEG', async () => {
    const coloured = await run(await gridImage(), { ...extend('nowe'), background: { r: 10, g: 20, b: 30 } });
    expect(await colourAt(coloured.data, 250, 250)).toEqual([10, 20, 30]);
    const jpeg = await run(await gridImage(), extend('nowe'), 'jpeg');
    const [r, g, b] = await colourAt(jpeg.data, 250, 250);
    expect(Math.min(r!, g!, b!)).toBeGreaterThan(250);
  });

  it('does nothing when the image already fills the size', async () => {
    const result = await run(await gridImage(), { ...extend('ce'), width: 100, height: 50 });
    expect([result.width, result.height]).toEqual([100, 50]);
  });
});
