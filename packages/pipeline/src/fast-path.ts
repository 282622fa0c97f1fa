import sharp from 'sharp';
import type { PipelineContext } from './context.js';
import { decodedSize } from './decode.js';
import { FORMATS } from './formats.js';
import { userRotation } from './geometry.js';
import { resizedSize } from './pixels.js';
import { FAIL_ON, pixelBudget } from './probe.js';
import { resolveQuality } from './quality.js';
import { colorspaceAndMetadata } from './steps/colorspace-and-metadata.js';
import { cropBox } from './steps/crop.js';
import { overLimit } from './steps/fix-size.js';
import { formatToSave, withEncoder } from './steps/save.js';
import { unrotatedScales } from './steps/scale.js';
import { adjustForShrink, loadShrink } from './steps/scale-on-load.js';

/**
 * The common request: resize (any resizing type, dpr, zoom, min sizes, enlarge, result crop by a
 * compass or focus-point gravity), EXIF auto-rotation, and encoding with default metadata
 * handling. For it the step list reduces to decode -> scale -> auto-rotate -> crop -> save, which
 * one sharp pipeline expresses exactly: shrink-on-load, resize, rotate, extract, encode, with no
 * raw frames passed between steps. Everything else takes the step list.
 */
export function fastPathApplies(ctx: PipelineContext): boolean {
  const { options: o, settings: st, source } = ctx;
  const format = FORMATS[ctx.format];
  const none = (v: { top: number; right: number; bottom: number; left: number }) =>
    v.top === 0 && v.right === 0 && v.bottom === 0 && v.left === 0;
  return (
    !FORMATS[source.format].isVector &&
    !ctx.animated &&
    ctx.frameCount === 1 &&
    !ctx.highBitDepth &&
    // Alpha that the flatten step would drop onto a background.
    !(source.hasAlpha && (o.background !== null || !format.supportsAlpha)) &&
    !o.trim.enabled &&
    o.crop.width === 0 &&
    o.crop.height === 0 &&
    o.gravity.type !== 'sm' &&
    userRotation(o) === 0 &&
    !o.flip.horizontal &&
    !o.flip.vertical &&
    !o.extend.enabled &&
    !o.extendAspectRatio.enabled &&
    none(o.padding) &&
    o.blur === 0 &&
    o.sharpen === 0 &&
    o.pixelate <= 1 &&
    (o.watermark.opacity === 0 || st.watermark === null) &&
    o.maxBytes === 0 &&
    o.stripMetadata &&
    o.stripColorProfile &&
    !st.useLinearColorspace &&
    !st.disableShrinkOnLoad
  );
}

/** Where the steps would take the image, computed with their own size rules instead of run on pixels. */
function plan(ctx: PipelineContext) {
  const { source } = ctx;
  const { shrink, scaled } = loadShrink(ctx);
  const decoded = shrink === 1 ? source : decodedSize(source, shrink);
  if (scaled && shrink !== 1) adjustForShrink(ctx, decoded);
  const g = ctx.geometry;
  const [wscale, hscale] = unrotatedScales(ctx);
  const stored = g.wScale === 1 && g.hScale === 1 ? decoded : resizedSize(decoded, wscale, hscale);
  const turned = g.angle % 180 === 90;
  const resized = turned ? { width: stored.height, height: stored.width } : stored;
  const box = cropBox(resized, g.resultCropWidth, g.resultCropHeight, ctx.options.gravity, g.dprScale);
  return { resized, box, result: box ?? resized };
}

/**
 * Runs the request as one sharp pipeline; null when its result would need fix-size after all.
 * It changes ctx's geometry: the step list must start over from a fresh context.
 */
export async function runFastPath(
  ctx: PipelineContext,
): Promise<{ data: Buffer; format: PipelineContext['format']; width: number; height: number } | null> {
  const { resized, box, result } = plan(ctx);
  if (overLimit(ctx.format, result.width, result.height) > 1) return null;

  ctx.format = formatToSave(ctx.format, result.width, result.height, ctx.source.hasAlpha);
  colorspaceAndMetadata(ctx);
  let image = sharp(ctx.input, { failOn: FAIL_ON, limitInputPixels: pixelBudget(ctx.options.security, 1) })
    .resize(resized.width, resized.height, { fit: 'fill' })
    .toColourspace('srgb');
  if (box) image = image.extract(box);
  // Called after extract: sharp rotates before resizing (and then cannot shrink on load) when
  // extract is set up on an image already marked for auto-orientation. Sizes given to resize and
  // extract are for the rotated image either way.
  if (ctx.geometry.angle !== 0 || ctx.geometry.flip) image = image.autoOrient();

  const quality = resolveQuality(ctx.options, ctx.settings, ctx.format);
  const { data, info } = await withEncoder(ctx, image, ctx.format, quality).toBuffer({
    resolveWithObject: true,
  });
  return { data, format: ctx.format, width: info.width, height: info.height };
}
