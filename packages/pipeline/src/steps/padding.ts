import { eachFrame, type Step } from '../context.js';
import { scaleToEven } from '../imath.js';
import { embed } from '../pixels.js';

/** `padding`, in CSS order, scaled by dpr; the padding is transparent until flatten fills it. */
export const padding: Step = async (ctx) => {
  const p = ctx.options.padding;
  if (p.top === 0 && p.right === 0 && p.bottom === 0 && p.left === 0) return;

  const dpr = ctx.geometry.dprScale;
  const [top, right, bottom, left] = [p.top, p.right, p.bottom, p.left].map((v) => scaleToEven(v, dpr)) as [
    number,
    number,
    number,
    number,
  ];
  await eachFrame(ctx, (frame) =>
    embed(frame, frame.width + left + right, frame.height + top + bottom, left, top),
  );
};
