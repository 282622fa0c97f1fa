import type { GravityType } from '@tintype/url';
import { describe, expect, it } from 'vitest';
import { gridImage, type Region, regionAt, run } from '../test-images.js';

describe('crop to result', () => {
  const fill = (type: GravityType, x = 0, y = 0) => ({
    resizingType: 'fill' as const,
    width: 50,
    height: 50,
    gravity: { type, x, y },
  });

  it('keeps the side the gravity names after scaling', async () => {
    const source = await gridImage();
    const cases: [GravityType, Region, Region][] = [
      ['we', 'nowe', 'sowe'],
      ['ea', 'noea', 'soea'],
      ['ce', 'no', 'so'],
    ];
    for (const [type, top, bottom] of cases) {
      const result = await run(source, fill(type));
      expect([result.width, result.height]).toEqual([50, 50]);
      expect(await regionAt(result.data, 25, 2)).toBe(top);
      expect(await regionAt(result.data, 25, 47)).toBe(bottom);
    }
  });

  it('moves by offsets measured at dpr 1', async () => {
    const source = await gridImage();
    // Scaled to 100x50; x offset 35 starts the window at source x 70, in the centre column.
    expect(await regionAt((await run(source, fill('we'))).data, 2, 25)).toBe('we');
    expect(await regionAt((await run(source, fill('we', 35))).data, 2, 25)).toBe('ce');
    // At dpr 2 the image is not scaled and the offset doubles: still source x 70.
    const dpr = await run(source, { ...fill('we', 35), dpr: 2 });
    expect([dpr.width, dpr.height]).toEqual([100, 100]);
    expect(await regionAt(dpr.data, 2, 50)).toBe('ce');
  });

  it('uses the focus point of fp gravity', async () => {
    const source = await gridImage();
    expect(await regionAt((await run(source, fill('fp', 1, 0.5))).data, 40, 25)).toBe('ea');
    expect(await regionAt((await run(source, fill('fp', 0, 0.5))).data, 10, 25)).toBe('we');
  });
});
