import type { Step } from '../context.js';
import { calcGeometry } from '../geometry.js';
import { round } from '../imath.js';

/**
 * An SVG whose natural size is above max_src_resolution is rendered smaller, just under the
 * limit, instead of being refused: vectors have no "real" size to protect.
 */
export const guardVectorSize: Step = (ctx) => {
  const { source, options } = ctx;
  const limit = options.security.maxSrcResolution;
  if (source.format !== 'svg' || limit <= 0 || source.width * source.height <= limit) return;

  ctx.vectorBaseShrink = Math.sqrt((source.width * source.height) / limit);
  ctx.geometry = calcGeometry(
    {
      width: Math.max(1, round(source.width / ctx.vectorBaseShrink)),
      height: Math.max(1, round(source.height / ctx.vectorBaseShrink)),
      orientation: source.orientation,
      isVector: true,
    },
    options,
  );
};
