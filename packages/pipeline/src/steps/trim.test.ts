import type { Rgb } from '@tintype/url';
import { describe, expect, it } from 'vitest';
import { run, trimImages } from '../test-images.js';

const RED: Rgb = { r: 255, g: 0, b: 0 };
const BLUE: Rgb = { r: 0, g: 0, b: 255 };
const WHITE: Rgb = { r: 255, g: 255, b: 255 };
const MAGENTA: Rgb = { r: 255, g: 0, b: 255 };

const trimOptions = (
  threshold: number,
  color: Rgb | null = null,
  equalHorizontal = false,
  equalVertical = false,
) => ({
  trim: { enabled: true, threshold, color, equalHorizontal, equalVertical },
});

/** imgproxy's trim_test.go expectations. */
describe('trim', () => {
  const threshold: [string, ReturnType<typeof trimOptions>, [number, number]][] = [
    ['threshold 5', trimOptions(5), [320, 220]],
    ['threshold 100', trimOptions(100), [290, 190]],
    ['threshold 150', trimOptions(150), [260, 160]],
    ['threshold 200', trimOptions(200), [230, 130]],
    ['threshold 220', trimOptions(220), [200, 100]],
    ['colour red, threshold 10', trimOptions(10, RED), [350, 250]],
    ['threshold 5, equal horizontal', trimOptions(5, null, true), [330, 220]],
    ['threshold 5, equal vertical', trimOptions(5, null, false, true), [320, 230]],
    ['threshold 5, equal both', trimOptions(5, null, true, true), [330, 230]],
  ];
  for (const [name, options, size] of threshold) {
    it(`frames: ${name}`, async () => {
      const result = await run(await trimImages.frames(), options);
      expect([result.width, result.height]).toEqual(size);
    });
  }

  const colour: [string, ReturnType<typeof trimOptions>, [number, number]][] = [
    ['top-left colour', trimOptions(1), [200, 170]],
    ['red', trimOptions(1, RED), [200, 170]],
    ['blue', trimOptions(1, BLUE), [200, 130]],
    ['white', trimOptions(1, WHITE), [200, 200]],
  ];
  for (const [name, options, size] of colour) {
    it(`stripes: ${name}`, async () => {
      const result = await run(await trimImages.stripes(), options);
      expect([result.width, result.height]).toEqual(size);
    });
  }

  it('trims transparent pixels as magenta', async () => {
    const result = await run(await trimImages.transparent(), trimOptions(1, MAGENTA));
    expect([result.width, result.height]).toEqual([200, 130]);
  });

  it('resizes what is left after trimming', async () => {
    const result = await run(await trimImages.frames(), { ...trimOptions(220), width: 100 });
    expect([result.width, result.height]).toEqual([100, 50]);
  });

  it('does nothing when everything is background', async () => {
    const result = await run(await trimImages.stripes(), { ...trimOptions(255) });
    expect([result.width, result.height]).toEqual([200, 200]);
  });
});
