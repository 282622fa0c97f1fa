import type { OutputInfo } from 'sharp';
import { type PipelineContext, recalcGeometry, type Step } from '../context.js';
import { decode } from '../decode.js';
import { extract, flattenOnto, type Pixels, render, sharpOf } from '../pixels.js';

/** Transparent pixels are judged as this colour, as imgproxy does, so that they can be trimmed like a background. */
const TRANSPARENT_AS = { r: 255, g: 0, b: 255 };

/**
 * Cuts away the border of background colour: the colour of the top-left pixel, or the one asked
 * for. Runs on the decoded source at full size; the pipeline then goes on as if the trimmed image
 * were the source. imgproxy skips trim for animations, and so do we.
 */
export const trim: Step = async (ctx) => {
  if (!ctx.options.trim.enabled || ctx.animated) return;

  if (ctx.frames.length === 0) await decode(ctx, ctx.vectorBaseShrink);
  const image = ctx.frames[0]!;
  const box = await findTrim(ctx, image);
  if (!box) return;

  ctx.frames = [await extract(image, box.left, box.top, box.width, box.height)];
  ctx.reloadable = false;
  recalcGeometry(ctx);
};

interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
}

async function findTrim(ctx: PipelineContext, image: Pixels): Promise<Box | null> {
  const { threshold, color, equalHorizontal, equalVertical } = ctx.options.trim;
  // Judged in 8-bit sRGB whatever the depth, as libvips' find_trim runs in imgproxy.
  const opaque = await render(sharpOf(flattenOnto(image, TRANSPARENT_AS)), 8);

  let found: OutputInfo;
  try {
    ({ info: found } = await sharpOf(opaque)
      .trim({ threshold, ...(color ? { background: color } : {}) })
      .raw()
      .toBuffer({ resolveWithObject: true }));
  } catch {
    // Nothing but background (or an image under 3x3): imgproxy leaves such an image as it is.
    return null;
  }

  let [left, width] = [-(found.trimOffsetLeft ?? 0), found.width];
  let [top, height] = [-(found.trimOffsetTop ?? 0), found.height];
  if (equalHorizontal) [left, width] = equalize(left, width, image.width);
  if (equalVertical) [top, height] = equalize(top, height, image.height);

  if (width === 0 || height === 0 || (width === image.width && height === image.height)) return null;
  return { left, top, width, height };
}

/** Cut the same amount from both ends of a side: the smaller of the two cuts. */
function equalize(start: number, size: number, full: number): [number, number] {
  const end = full - start - size;
  const diff = end - start;
  if (diff > 0) return [start, size + diff];
  if (diff < 0) return [end, size - diff];
  return [start, size];
}
