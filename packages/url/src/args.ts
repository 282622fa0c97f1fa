/**
 * Argument readers for the option table. Each takes the raw text of one argument, returns the value
 * or throws a 404 whose message reads as imgproxy's (`Invalid width: x (expected ...)`).
 */
import { invalidOption } from './errors.js';
import { goBool, goFloat, goInt, goList, goUint } from './go-text.js';
import type { CompassGravity, Gravity, GravityType, Rgb } from './options.js';

export const invalidArgs = (key: string, args: readonly string[]) =>
  invalidOption(`Invalid ${key} arguments: ${goList(args)}`);

export const invalidArgument = (key: string, arg: string, ...expected: string[]) =>
  invalidOption(`Invalid ${key}: ${arg}${expected.length > 0 ? ` (expected ${expected.join(', ')})` : ''}`);

export function maxArgs(key: string, args: readonly string[], max: number): void {
  if (args.length > max) throw invalidArgs(key, args);
}

/** Booleans as imgproxy reads them: strconv.ParseBool, and anything else is false (imgproxy only logs it). */
export const bool = (arg: string): boolean => goBool(arg) ?? false;

export function int(key: string, arg: string): number {
  const n = goInt(arg);
  if (n === undefined) throw invalidArgument(key, arg, 'integer number');
  return n;
}

export function nonNegativeInt(key: string, arg: string): number {
  const n = goInt(arg);
  if (n === undefined || n < 0) throw invalidArgument(key, arg, 'positive number or 0');
  return n;
}

export function positiveInt(key: string, arg: string): number {
  const n = goInt(arg);
  if (n === undefined || n <= 0) throw invalidArgument(key, arg, 'positive number');
  return n;
}

/** Any float; imgproxy's message for a bad one is the generic "arguments" one. */
export function float(key: string, arg: string): number {
  const n = goFloat(arg);
  if (n === undefined) throw invalidArgs(key, [arg]);
  return n;
}

export function nonNegativeFloat(key: string, arg: string): number {
  const n = goFloat(arg);
  if (n === undefined || n < 0) throw invalidArgument(key, arg, 'positive number or 0');
  return n;
}

export function positiveFloat(key: string, arg: string): number {
  const n = goFloat(arg);
  if (n === undefined || n <= 0) throw invalidArgument(key, arg, 'positive number');
  return n;
}

export function inRange(
  key: string,
  arg: string,
  min: number,
  max: number,
  parse: (s: string) => number | undefined,
) {
  const n = parse(arg);
  if (n === undefined || n < min || n > max) throw invalidArgument(key, arg, `number in range ${min}-${max}`);
  return n;
}

/** Megapixels in the URL, pixels in the options. */
export function resolution(key: string, arg: string): number {
  return Math.trunc(nonNegativeFloat(key, arg) * 1_000_000);
}

export function oneOf<T extends string>(key: string, arg: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(arg)) throw invalidArgument(key, arg, ...allowed);
  return arg as T;
}

const HEX_COLOR = /^(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/;

export function hexColor(key: string, arg: string): Rgb {
  if (!HEX_COLOR.test(arg)) throw invalidArgument(key, arg, 'hex-encoded color');
  const full = arg.length === 3 ? [...arg].map((c) => c + c).join('') : arg;
  const n = Number.parseInt(full, 16);
  return { r: (n >> 16) & 0xff, g: (n >> 8) & 0xff, b: n & 0xff };
}

export const channel = (key: string, arg: string): number => {
  const n = goUint(arg, 255);
  if (n === undefined) throw invalidArgument(key, arg, 'number in range 0-255');
  return n;
};

/** The compass gravities in the order imgproxy lists them in its messages. */
export const COMPASS: readonly CompassGravity[] = [
  'ce',
  'no',
  'ea',
  'so',
  'we',
  'nowe',
  'noea',
  'sowe',
  'soea',
];
/** Gravity types each option accepts. */
export const CROP_GRAVITIES: readonly GravityType[] = ['sm', 'fp', ...COMPASS];
export const EXTEND_GRAVITIES: readonly GravityType[] = ['fp', ...COMPASS];

/**
 * `%type:%x:%y` into `target` (changed in place). As in imgproxy, offsets left out keep their
 * previous values, `sm` clears them, and `fp` needs both, each within 0..1.
 */
export function gravity(
  key: string,
  args: readonly string[],
  allowed: readonly GravityType[],
  target: Gravity,
): void {
  const type = oneOf(`${key}.type`, args[0] ?? '', allowed);
  target.type = type;
  if (type === 'sm') {
    if (args.length > 1) throw invalidArgs(key, args);
    target.x = 0;
    target.y = 0;
    return;
  }
  if ((type === 'fp' && args.length !== 3) || args.length > 3) throw invalidArgs(key, args);
  const offset = (suffix: string, arg: string | undefined): number | undefined => {
    if (arg === undefined || arg === '') return undefined;
    const n = goFloat(arg);
    if (n === undefined || (type === 'fp' && (n < 0 || n > 1)))
      throw invalidArgument(`${key}.${suffix}`, arg);
    return n;
  };
  target.x = offset('x_offset', args[1]) ?? target.x;
  target.y = offset('y_offset', args[2]) ?? target.y;
}
