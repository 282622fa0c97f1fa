import { describe, expect, it } from 'vitest';
import { colourAt, gridImage, regionAt, run } from '../test-images.js';

describe('padding', () => {
  it('adds each side in CSS order, in the background colour', async () => {
    const grey = { r: 128, g: 128, b: 128 };
    const result = await run(await gridImage(), {
      padding: { top: 20, right: 30, bottom: 40, left: 10 },
      background: grey,
    });
    expect([result.width, result.height]).toEqual([240, 160]);
    expect(await colourAt(result.data, 5, 80)).toEqual([128, 128, 128]);
    expect(await colourAt(result.data, 235, 80)).toEqual([128, 128, 128]);
    expect(await colourAt(result.data, 120, 15)).toEqual([128, 128, 128]);
    expect(await colourAt(result.data, 120, 125)).toEqual([128, 128, 128]);
    expect(await regionAt(result.data, 10, 20)).toBe('nowe');
    expect(await regionAt(result.data, 209, 119)).toBe('soea');
  });

  it('is transparent in PNG without a background', async () => {
    const result = await run(await gridImage(), { padding: { top: 10, right: 0, bottom: 0, left: 0 } });
    expect([result.width, result.height]).toEqual([200, 110]);
    expect((await colourAt(result.data, 100, 5))[3]).toBe(0);
    expect((await colourAt(result.data, 100, 15))[3]).toBe(255);
  });

  it('scales with dpr', async () => {
    const result = await run(await gridImage(), {
      padding: { top: 10, right: 10, bottom: 10, left: 10 },
      dpr: 2,
      enlarge: true,
    });
    expect([result.width, result.height]).toEqual([440, 240]);
  });
});
