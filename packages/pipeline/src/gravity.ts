import type { Gravity, GravityType } from '@tintype/url';
import { roundToEven, scaleToEven, shrinkToEven } from './imath.js';

/** Where a box of innerWidth x innerHeight sits inside width x height, as imgproxy places crops, extends and watermarks. */
export function calcPosition(
  width: number,
  height: number,
  innerWidth: number,
  innerHeight: number,
  gravity: Gravity,
  dpr: number,
  allowOverflow: boolean,
): { left: number; top: number } {
  let left: number;
  let top: number;

  if (gravity.type === 'fp') {
    left = scaleToEven(width, gravity.x) - Math.trunc(innerWidth / 2);
    top = scaleToEven(height, gravity.y) - Math.trunc(innerHeight / 2);
  } else {
    // Offsets of 1 or more are pixels (scaled by dpr); smaller ones are fractions of the image.
    const offX = Math.abs(gravity.x) >= 1 ? roundToEven(gravity.x * dpr) : scaleToEven(width, gravity.x);
    const offY = Math.abs(gravity.y) >= 1 ? roundToEven(gravity.y * dpr) : scaleToEven(height, gravity.y);
    const t = gravity.type;

    left = shrinkToEven(width - innerWidth + 1, 2) + offX;
    top = shrinkToEven(height - innerHeight + 1, 2) + offY;
    if (t === 'no' || t === 'noea' || t === 'nowe') top = offY;
    if (t === 'ea' || t === 'noea' || t === 'soea') left = width - innerWidth - offX;
    if (t === 'so' || t === 'soea' || t === 'sowe') top = height - innerHeight - offY;
    if (t === 'we' || t === 'nowe' || t === 'sowe') left = offX;
  }

  const [minX, maxX] = allowOverflow ? [-innerWidth + 1, width - 1] : [0, width - innerWidth];
  const [minY, maxY] = allowOverflow ? [-innerHeight + 1, height - 1] : [0, height - innerHeight];

  return { left: Math.max(minX, Math.min(left, maxX)), top: Math.max(minY, Math.min(top, maxY)) };
}

type Turn = Partial<Record<GravityType, GravityType>>;

const ROTATED: Record<number, Turn> = {
  90: { no: 'we', ea: 'no', so: 'ea', we: 'so', nowe: 'sowe', noea: 'nowe', sowe: 'soea', soea: 'noea' },
  180: { no: 'so', ea: 'we', so: 'no', we: 'ea', nowe: 'soea', noea: 'sowe', sowe: 'noea', soea: 'nowe' },
  270: { no: 'ea', ea: 'so', so: 'we', we: 'no', nowe: 'noea', noea: 'soea', sowe: 'nowe', soea: 'sowe' },
};
const FLIPPED_X: Turn = { ea: 'we', we: 'ea', nowe: 'noea', noea: 'nowe', sowe: 'soea', soea: 'sowe' };
const FLIPPED_Y: Turn = { no: 'so', so: 'no', nowe: 'sowe', noea: 'soea', sowe: 'nowe', soea: 'noea' };

/**
 * The gravity that, applied before rotating by `angle` and flipping, selects the same region as
 * `g` applied after. Cropping happens before rotation because it is cheaper on fewer pixels.
 */
export function rotateAndFlipGravity(g: Gravity, angle: number, flipX: boolean, flipY: boolean): Gravity {
  let { type, x, y } = g;
  const turn = ((angle % 360) + 360) % 360;

  if (flipX) {
    type = FLIPPED_X[type] ?? type;
    if (type === 'ce' || type === 'no' || type === 'so') x = -x;
    else if (type === 'fp') x = 1 - x;
  }
  if (flipY) {
    type = FLIPPED_Y[type] ?? type;
    if (type === 'ce' || type === 'ea' || type === 'we') y = -y;
    else if (type === 'fp') y = 1 - y;
  }

  const map = ROTATED[turn];
  if (map) {
    type = map[type] ?? type;
    if (turn === 90) {
      if (type === 'ce' || type === 'ea' || type === 'we') [x, y] = [y, -x];
      else if (type === 'fp') [x, y] = [y, 1 - x];
      else [x, y] = [y, x];
    } else if (turn === 180) {
      if (type === 'ce') [x, y] = [-x, -y];
      else if (type === 'no' || type === 'so') x = -x;
      else if (type === 'ea' || type === 'we') y = -y;
      else if (type === 'fp') [x, y] = [1 - x, 1 - y];
    } else {
      if (type === 'ce' || type === 'no' || type === 'so') [x, y] = [-y, x];
      else if (type === 'fp') [x, y] = [1 - y, x];
      else [x, y] = [y, x];
    }
  }

  return { type, x, y };
}
