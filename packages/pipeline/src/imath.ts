/**
 * Integer helpers with Go's rounding rules. imgproxy's geometry is written with `math.Round` (half
 * away from zero), `math.RoundToEven` and truncating integer conversion; JavaScript's Math.round
 * rounds half towards +Infinity, which would move results by a pixel for negative offsets.
 */

export function round(a: number): number {
  return Math.sign(a) * Math.round(Math.abs(a));
}

export function roundToEven(a: number): number {
  const r = Math.round(a);
  // Math.round(x.5) goes up; step back when that lands on an odd number.
  return Math.abs(a % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export const scale = (a: number, s: number): number => (a === 0 ? 0 : round(a * s));
export const scaleToEven = (a: number, s: number): number => (a === 0 ? 0 : roundToEven(a * s));
export const shrink = (a: number, s: number): number => (a === 0 ? 0 : round(a / s));
export const shrinkToEven = (a: number, s: number): number => (a === 0 ? 0 : roundToEven(a / s));

export function minNonZero(a: number, b: number): number {
  if (a === 0) return b;
  if (b === 0) return a;
  return Math.min(a, b);
}

export const nonZero = (a: number, b: number): number => (a !== 0 ? a : b);
