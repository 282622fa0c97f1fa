import type { Gravity } from '@tintype/url';
import { eachFrame, frameSize, type PipelineContext, type Step } from '../context.js';
import { calcPosition } from '../gravity.js';
import { embed } from '../pixels.js';

/** `extend`: grow the canvas to the requested size, the image placed by the extend gravity. */
export const extend: Step = async (ctx) => {
  if (!ctx.options.extend.enabled) return;
  await extendTo(ctx, ctx.geometry.targetWidth, ctx.geometry.targetHeight, ctx.options.extend.gravity);
};

/**
 * Places the image on a transparent canvas of width x height (a side of 0 keeps the image's).
 * The new area is flattened later onto the background when the format has no alpha or one was asked for.
 */
export async function extendTo(
  ctx: PipelineContext,
  width: number,
  height: number,
  gravity: Gravity,
): Promise<void> {
  const image = frameSize(ctx);
  if (width <= image.width && height <= image.height) return;
  const w = width > 0 ? width : image.width;
  const h = height > 0 ? height : image.height;
  const { left, top } = calcPosition(w, h, image.width, image.height, gravity, ctx.geometry.dprScale, false);
  await eachFrame(ctx, (frame) => embed(frame, w, h, left, top));
}
