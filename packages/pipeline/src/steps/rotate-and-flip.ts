import type { Sharp } from 'sharp';
import { eachFrame, type Step } from '../context.js';
import { userRotation } from '../geometry.js';
import { type Pixels, transform } from '../pixels.js';

/**
 * EXIF orientation first (rotation, then mirroring), then the user's `rotate` and `flip`.
 * One sharp pass per operation: sharp would apply flips before rotation within one pass.
 */
export const rotateAndFlip: Step = async (ctx) => {
  const { angle, flip } = ctx.geometry;
  const rotation = userRotation(ctx.options);
  const { horizontal, vertical } = ctx.options.flip;
  if (angle === 0 && !flip && rotation === 0 && !horizontal && !vertical) return;

  const passes: ((s: Sharp) => Sharp)[] = [];
  if (angle !== 0) passes.push((s) => s.rotate(angle));
  if (flip) passes.push((s) => s.flop());
  if (rotation !== 0) passes.push((s) => s.rotate(rotation));
  if (horizontal || vertical) passes.push((s) => s.flop(horizontal).flip(vertical));

  await eachFrame(ctx, async (frame) => {
    let out: Pixels = frame;
    for (const pass of passes) out = await transform(out, pass);
    return out;
  });
};
