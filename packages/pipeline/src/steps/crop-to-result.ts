import { eachFrame, type Step } from '../context.js';
import { cropImage } from './crop.js';

/**
 * Cuts the scaled image to the requested size, for `fill`, `fill-down` and `auto`: the part of
 * the image that sticks out of the target after scaling, chosen by the gravity.
 */
export const cropToResult: Step = async (ctx) => {
  const g = ctx.geometry;
  // Offsets given in pixels are meant at dpr 1.
  await eachFrame(ctx, (frame) =>
    cropImage(frame, g.resultCropWidth, g.resultCropHeight, ctx.options.gravity, g.dprScale),
  );
};
