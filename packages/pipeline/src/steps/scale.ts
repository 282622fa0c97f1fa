import { eachFrame, type PipelineContext, type Step } from '../context.js';
import { userRotation } from '../geometry.js';
import { resize } from '../pixels.js';

/** Resizes by the scales the geometry computed (after scale-on-load corrected them). */
export const scale: Step = async (ctx) => {
  const g = ctx.geometry;
  if (g.wScale === 1 && g.hScale === 1) return;
  const [wscale, hscale] = unrotatedScales(ctx);
  await eachFrame(ctx, (frame) => resize(frame, wscale, hscale, ctx.settings.useLinearColorspace));
};

/** The geometry's scales are for the rotated image; the pixels are not rotated yet. */
export function unrotatedScales(ctx: PipelineContext): [number, number] {
  const g = ctx.geometry;
  const turned = (g.angle + userRotation(ctx.options)) % 180 === 90;
  return turned ? [g.hScale, g.wScale] : [g.wScale, g.hScale];
}
