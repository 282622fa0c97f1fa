import type { ImageFormat } from '@tintype/url';
import { eachFrame, frameSize, type Step } from '../context.js';
import { FORMATS } from '../formats.js';
import { resize } from '../pixels.js';

/** libvips' GIF encoder refuses more pixels than this (imgproxy's vips.GifResolutionLimit). */
const GIF_MAX_RESOLUTION = Math.floor(2147483647 / 4);

/**
 * Encoders have size limits (WebP 16383 px a side, AVIF 16384, GIF 65535 and a pixel count);
 * a result over them is scaled down to fit instead of failing at save.
 */
export const fixSize: Step = async (ctx) => {
  const { width, height } = frameSize(ctx);
  const shrink = overLimit(ctx.format, width, height);
  if (shrink <= 1) return;
  await eachFrame(ctx, (frame) => resize(frame, 1 / shrink, 1 / shrink));
};

/** How many times too large for the format's limits an image is (1 or less: it fits). */
export function overLimit(format: ImageFormat, width: number, height: number): number {
  const side = Math.max(width, height) / FORMATS[format].maxDimension;
  // For GIF imgproxy takes the square root of the larger ratio, which can leave a long side over
  // the limit; the side ratio is applied as is here, the square root only to the pixel count.
  const pixels = format === 'gif' ? Math.sqrt((width * height) / GIF_MAX_RESOLUTION) : 0;
  return Math.max(side, pixels);
}
