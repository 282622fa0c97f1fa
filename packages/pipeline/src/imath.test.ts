import { describe, expect, it } from 'vitest';
import { minNonZero, round, roundToEven, scale, scaleToEven, shrinkToEven } from './imath.js';

describe('Go rounding', () => {
  it('rounds half away from zero', () => {
    expect([round(2.5), round(-2.5), round(1.4), round(-1.6)]).toEqual([3, -3, 1, -2]);
  });

  it('rounds half to even', () => {
    expect([
      roundToEven(2.5),
      roundToEven(3.5),
      roundToEven(-2.5),
      roundToEven(-3.5),
      roundToEven(2.6),
    ]).toEqual([2, 4, -2, -4, 3]);
  });

  it('keeps zero as zero whatever the factor', () => {
    expect([scale(0, 10), scaleToEven(0, 3), shrinkToEven(0, 2)]).toEqual([0, 0, 0]);
    expect(shrinkToEven(101, 2)).toBe(50);
  });

  it('takes the smaller non-zero value', () => {
    expect([minNonZero(0, 5), minNonZero(5, 0), minNonZero(3, 5)]).toEqual([5, 5, 3]);
  });
});
