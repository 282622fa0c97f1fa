import { unprocessable } from '@tintype/url';
import sharp from 'sharp';
import type { PipelineContext } from './context.js';
import { render, unstack } from './pixels.js';
import { FAIL_ON, pixelBudget, type SourceInfo } from './probe.js';

const MIN_DENSITY = 1;
const MAX_DENSITY = 100_000;

/** sharp's own default ceiling, for rendered vectors when no resolution limit is set. */
const SHARP_DEFAULT_PIXEL_LIMIT = 0x3fff * 0x3fff;

/** The size a raster source decodes to `shrink` times smaller (libjpeg rounds up). */
export function decodedSize(source: SourceInfo, shrink: number): { width: number; height: number } {
  const round = source.format === 'jpeg' ? Math.ceil : Math.round;
  return {
    width: Math.max(1, round(source.width / shrink)),
    height: Math.max(1, round(source.height / shrink)),
  };
}

/**
 * Decodes the source into ctx.frames, `shrink` times smaller than stored (imgproxy's load with
 * shrink). JPEG decodes at 1/2, 1/4 or 1/8 (libjpeg's DCT scaling, which sharp uses when the
 * resize target allows it); SVG renders at any scale; other formats decode whole.
 */
export async function decode(ctx: PipelineContext, shrink: number): Promise<void> {
  const { source, input } = ctx;
  const isVector = source.format === 'svg';
  const pages = ctx.animated ? ctx.frameCount : 1;
  const budget = pixelBudget(ctx.options.security, pages);

  let image = sharp(input, {
    failOn: FAIL_ON,
    // A vector's rendered size is the request's to choose (w:10000/el:1 on a 100x100 SVG), so the
    // render is bounded by the same resolution limit as any decoded source (issue 5).
    limitInputPixels: isVector ? budget || SHARP_DEFAULT_PIXEL_LIMIT : budget,
    // Density is how sharp scales an SVG: 72 dpi renders user units 1:1. Beyond sharp's range the
    // render stops short and the scale step does the rest.
    ...(isVector ? { density: Math.min(MAX_DENSITY, Math.max(MIN_DENSITY, 72 / shrink)) } : {}),
    ...(pages > 1 ? { pages } : {}),
  });

  if (!isVector && shrink > 1) {
    const size = decodedSize(source, shrink);
    image = image.resize(size.width, size.height, { fit: 'fill' });
  }

  try {
    const pixels = await render(image, ctx.highBitDepth ? 16 : 8);
    ctx.frames = pages > 1 ? unstack(pixels, pixels.height / pages) : [pixels];
  } catch (cause) {
    // libvips' own words stay in the cause, for the logs.
    const tooBig = cause instanceof Error && /pixel limit/i.test(cause.message);
    throw unprocessable(
      tooBig ? 'Source image resolution is too big' : 'Broken or unsupported source image',
      cause,
    );
  }
}
