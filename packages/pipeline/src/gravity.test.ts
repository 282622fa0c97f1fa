import type { Gravity, GravityType } from '@tintype/url';
import { describe, expect, it } from 'vitest';
import { calcPosition, rotateAndFlipGravity } from './gravity.js';

/** A tiny image of numbered pixels, to check geometry without any codec. */
interface Grid {
  w: number;
  h: number;
  px: number[];
}

const grid = (w: number, h: number): Grid => ({ w, h, px: Array.from({ length: w * h }, (_, i) => i) });
const at = (g: Grid, x: number, y: number) => g.px[y * g.w + x]!;
const map = (w: number, h: number, f: (x: number, y: number) => number): Grid => {
  const px: number[] = [];
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) px.push(f(x, y));
  return { w, h, px };
};
const rot90 = (g: Grid) => map(g.h, g.w, (x, y) => at(g, y, g.h - 1 - x));
const rotate = (g: Grid, angle: number): Grid => (angle === 0 ? g : rotate(rot90(g), angle - 90));
const flip = (g: Grid, fx: boolean, fy: boolean) =>
  map(g.w, g.h, (x, y) => at(g, fx ? g.w - 1 - x : x, fy ? g.h - 1 - y : y));
const crop = (g: Grid, w: number, h: number, gravity: Gravity) => {
  const { left, top } = calcPosition(g.w, g.h, w, h, gravity, 1, false);
  return map(w, h, (x, y) => at(g, left + x, top + y));
};

describe('rotateAndFlipGravity', () => {
  const types: GravityType[] = ['ce', 'no', 'so', 'ea', 'we', 'noea', 'nowe', 'soea', 'sowe'];
  const offsets: [number, number][] = [
    [0, 0],
    [1, 2],
    [-1, 1],
    [0.2, 0.5],
  ];

  // Cropping the source with the adjusted gravity, then rotating and flipping, must give what
  // rotating and flipping first and cropping with the original gravity gives.
  for (const angle of [0, 90, 180, 270]) {
    for (const [fx, fy] of [
      [false, false],
      [true, false],
      [false, true],
      [true, true],
    ] as const) {
      it(`commutes with rotate ${angle}, flip ${fx}/${fy}`, () => {
        // Sizes where "centre" and the focus points are exact, so mirroring them is exact too:
        // imgproxy rounds (w - inner + 1) / 2 to even, which is symmetric only when w - inner is a multiple of 4.
        const source = grid(12, 16);
        const compass: [Grid, Gravity[]] = [
          source,
          types.flatMap((type) => offsets.map(([x, y]) => ({ type, x, y }))),
        ];
        const focus: [Grid, Gravity[]] = [
          source,
          [
            { type: 'fp', x: 0.5, y: 0.5 },
            { type: 'fp', x: 0.25, y: 0.75 },
          ],
        ];
        for (const [source, gravities] of [compass, focus]) {
          const turned = flip(rotate(source, angle), fx, fy);
          const [cw, ch] = [4, 8];
          const [sw, sh] = angle % 180 === 90 ? [ch, cw] : [cw, ch];
          for (const gravity of gravities) {
            const expected = crop(turned, cw, ch, gravity);
            const adjusted = rotateAndFlipGravity(gravity, angle, fx, fy);
            const actual = flip(rotate(crop(source, sw, sh, adjusted), angle), fx, fy);
            expect(actual, JSON.stringify(gravity)).toEqual(expected);
          }
        }
      });
    }
  }
});

describe('calcPosition', () => {
  it("centres with imgproxy's rounding", () => {
    // (200 - 50 + 1) / 2 = 75.5, to even: 76.
    expect(calcPosition(200, 100, 50, 50, { type: 'ce', x: 0, y: 0 }, 1, false)).toEqual({
      left: 76,
      top: 26,
    });
  });

  it('keeps the box inside unless overflow is allowed', () => {
    expect(calcPosition(100, 100, 50, 50, { type: 'nowe', x: -20, y: 80 }, 1, false)).toEqual({
      left: 0,
      top: 50,
    });
    expect(calcPosition(100, 100, 50, 50, { type: 'nowe', x: -20, y: 80 }, 1, true)).toEqual({
      left: -20,
      top: 80,
    });
    expect(calcPosition(100, 100, 50, 50, { type: 'nowe', x: -80, y: 500 }, 1, true)).toEqual({
      left: -49,
      top: 99,
    });
  });

  it('scales pixel offsets by dpr but not fractional ones', () => {
    expect(calcPosition(100, 100, 10, 10, { type: 'nowe', x: 5, y: 0.5 }, 2, false)).toEqual({
      left: 10,
      top: 50,
    });
  });
});
