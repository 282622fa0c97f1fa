import { frameSize, type PipelineContext, type Step } from '../context.js';
import { decode } from '../decode.js';
import { orientationTransform, userRotation } from '../geometry.js';
import { roundToEven, scale, shrink } from '../imath.js';

/**
 * Decodes the source, smaller when the result will be smaller: JPEG through libjpeg's 1/2, 1/4
 * and 1/8 scaled decoding, WebP through its scaled decoder, SVG by rendering straight at the
 * size needed (larger too). The scales of the steps after it are corrected for the shrink.
 */
export const scaleOnLoad: Step = async (ctx) => {
  if (ctx.frames.length > 0) return; // trim already decoded (and cut) the image
  const { shrink, scaled } = loadShrink(ctx);
  await decode(ctx, shrink);
  if (scaled && shrink !== 1) adjustForShrink(ctx, frameSize(ctx));
};

/**
 * How many times smaller than stored the source is decoded; `scaled` when that is scale-on-load
 * (which the geometry must then be corrected for), not just an oversized vector's base shrink.
 */
export function loadShrink(ctx: PipelineContext): { shrink: number; scaled: boolean } {
  const g = ctx.geometry;
  const isVector = ctx.source.format === 'svg';
  // Computed from the sizes the scales lead to, not from the scales, so that a side with no
  // target does not make the shrink overshoot.
  let preshrink = Math.min(
    g.srcWidth / scale(g.srcWidth, g.wScale),
    g.srcHeight / scale(g.srcHeight, g.hScale),
  );
  if (isVector) preshrink *= ctx.vectorBaseShrink;

  if (!canScaleOnLoad(ctx, preshrink)) return { shrink: isVector ? ctx.vectorBaseShrink : 1, scaled: false };
  return { shrink: ctx.source.format === 'jpeg' ? jpegShrink(preshrink) : preshrink, scaled: true };
}

function canScaleOnLoad(ctx: PipelineContext, preshrink: number): boolean {
  // Frames of an animation are decoded whole, as imgproxy does.
  if (ctx.animated || preshrink === 1) return false;
  if (ctx.source.format === 'svg') return true;
  if (ctx.settings.disableShrinkOnLoad || preshrink <= 1) return false;
  return ctx.source.format === 'jpeg' || ctx.source.format === 'webp';
}

const jpegShrink = (s: number): number => (s >= 8 ? 8 : s >= 4 ? 4 : s >= 2 ? 2 : 1);

/** Corrects the geometry's scales and crop for a source decoded at `stored` size instead of its own. */
export function adjustForShrink(ctx: PipelineContext, stored: { width: number; height: number }): void {
  const g = ctx.geometry;
  const { angle } = orientationTransform(ctx.source.orientation, ctx.options.autoRotate);
  const swap = (angle + userRotation(ctx.options)) % 180 !== 0;
  const newWidth = swap ? stored.height : stored.width;
  const newHeight = swap ? stored.width : stored.height;

  const wpreshrink = g.srcWidth / newWidth;
  const hpreshrink = g.srcHeight / newHeight;
  g.wScale *= wpreshrink;
  g.hScale *= hpreshrink;
  // An exact preshrink needs no second resampling pass.
  if (newWidth === scale(newWidth, g.wScale)) g.wScale = 1;
  if (newHeight === scale(newHeight, g.hScale)) g.hScale = 1;

  // The crop was meant for the full-size image.
  if (g.cropWidth > 0) g.cropWidth = Math.max(1, shrink(g.cropWidth, wpreshrink));
  if (g.cropHeight > 0) g.cropHeight = Math.max(1, shrink(g.cropHeight, hpreshrink));
  // Pixel offsets shrink with the image; fractions (below 1) and focus points are relative already.
  // Rounded so that an offset never turns into a fraction (1.0 => 0.5).
  const cg = g.cropGravity;
  if (cg.type !== 'fp') {
    if (Math.abs(cg.x) >= 1) cg.x = roundToEven(cg.x / wpreshrink);
    if (Math.abs(cg.y) >= 1) cg.y = roundToEven(cg.y / hpreshrink);
  }
}
