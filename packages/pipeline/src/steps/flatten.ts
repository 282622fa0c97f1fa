import { eachFrame, type Step } from '../context.js';
import { FORMATS } from '../formats.js';
import { flattenOnto } from '../pixels.js';

const WHITE = { r: 255, g: 255, b: 255 };

/** Alpha goes away when a background was asked for, or when the output format cannot carry it (onto white). */
export const flatten: Step = async (ctx) => {
  const { background } = ctx.options;
  if (!background && FORMATS[ctx.format].supportsAlpha) return;
  await eachFrame(ctx, (frame) => flattenOnto(frame, background ?? WHITE));
};
