import type { Step } from '../context.js';
import { extendTo } from './extend.js';

/** `extend_aspect_ratio`: grow only the side needed to reach the requested aspect ratio. */
export const extendAspectRatio: Step = async (ctx) => {
  const { extendAspectRatioWidth: width, extendAspectRatioHeight: height } = ctx.geometry;
  if (!ctx.options.extendAspectRatio.enabled || width === 0 || height === 0) return;
  await extendTo(ctx, width, height, ctx.options.extendAspectRatio.gravity);
};
