import {
  type ImageFormat,
  internal,
  isTintypeError,
  type ProcessingOptions,
  unprocessable,
} from '@tintype/url';
import { createContext, type PipelineContext, type Step } from './context.js';
import { fastPathApplies, runFastPath } from './fast-path.js';
import { FORMATS } from './formats.js';
import { plannedSize } from './geometry.js';
import { checkSourceLimits, framesToLoad, readHeader, type SourceHeader } from './probe.js';
import type { PipelineSettings } from './settings.js';
import { colorspaceAndMetadata } from './steps/colorspace-and-metadata.js';
import { crop } from './steps/crop.js';
import { cropToResult } from './steps/crop-to-result.js';
import { extend } from './steps/extend.js';
import { extendAspectRatio } from './steps/extend-aspect-ratio.js';
import { applyFilters } from './steps/filters.js';
import { fixSize } from './steps/fix-size.js';
import { flatten } from './steps/flatten.js';
import { guardVectorSize } from './steps/guard-vector-size.js';
import { padding } from './steps/padding.js';
import { rotateAndFlip } from './steps/rotate-and-flip.js';
import { save } from './steps/save.js';
import { scale } from './steps/scale.js';
import { scaleOnLoad } from './steps/scale-on-load.js';
import { trim } from './steps/trim.js';
import { watermark } from './steps/watermark.js';
import { sanitizeSvg } from './svg.js';

/**
 * What happens to an image, in order (imgproxy's main pipeline, then its finalize pipeline and save).
 * A request that needs only decode, scale, auto-rotate, result crop and save (fastPathApplies in
 * fast-path.ts lists exactly what that admits) takes a shortcut chosen up front: the same sizes,
 * computed by these steps' own rules, run as one sharp pipeline without raw frames in between.
 */
export const PIPELINE: readonly Step[] = Object.freeze([
  guardVectorSize, //   an SVG over max_src_resolution is rendered smaller
  trim, //              cut the background-coloured border
  scaleOnLoad, //       decode, smaller when the result is smaller
  crop, //              the `crop` option, on the unrotated source
  scale, //             resize to the computed scale
  rotateAndFlip, //     EXIF orientation, then `rotate` and `flip`
  cropToResult, //      fill / fill-down / auto: cut what sticks out of the target
  applyFilters, //      blur, sharpen, pixelate
  extend, //            grow the canvas to the requested size
  extendAspectRatio, // grow the canvas to the requested aspect ratio
  padding, //           add padding
  fixSize, //           fit the format's size limits
  flatten, //           drop alpha onto the background when needed
  watermark, //         draw the watermark
  colorspaceAndMetadata, // colour profile and metadata to keep
  save, //              encode
]);

export interface RunOptions {
  /** The source's header, when the caller read it already (readHeader): it is not read twice. */
  header?: SourceHeader;
  /** For tests and benchmarks: `false` makes every request take the step list. */
  fastPath?: boolean;
}

export interface ProcessedImage {
  data: Buffer;
  /** Usually the format asked for; a tiny AVIF comes back as PNG or JPEG, as in imgproxy. */
  format: ImageFormat;
  width: number;
  height: number;
  /** The source's size as displayed (EXIF rotation by 90 or 270 degrees swaps the sides). */
  originWidth: number;
  originHeight: number;
}

/**
 * Turns source bytes into result bytes. `outputFormat` comes from chooseOutputFormat(). Any
 * problem with the source is a 422 (TintypeError from unprocessable()); anything else that goes
 * wrong is ours and becomes a 500.
 */
export async function processImage(
  input: Buffer,
  options: ProcessingOptions,
  settings: PipelineSettings,
  outputFormat: ImageFormat,
  run: RunOptions = {},
): Promise<ProcessedImage> {
  try {
    return await runPipeline(input, options, settings, outputFormat, run);
  } catch (error) {
    if (isTintypeError(error)) throw error;
    throw internal(`processing failed: ${error instanceof Error ? error.message : String(error)}`, error);
  }
}

async function runPipeline(
  input: Buffer,
  options: ProcessingOptions,
  settings: PipelineSettings,
  outputFormat: ImageFormat,
  run: RunOptions,
): Promise<ProcessedImage> {
  const header = run.header ?? (await readHeader(input));
  const { info } = header;
  const turned = info.orientation >= 5 && info.orientation <= 8;
  const origin = {
    originWidth: turned ? info.height : info.width,
    originHeight: turned ? info.width : info.height,
  };

  const passthrough = passThrough(input, header, options, settings, outputFormat);
  if (passthrough) {
    checkSourceLimits(info, options.security, 1);
    return {
      data: passthrough,
      format: info.format,
      width: origin.originWidth,
      height: origin.originHeight,
      ...origin,
    };
  }
  let ctx = contextFor(input, header, options, settings, outputFormat);
  if (run.fastPath !== false && fastPathApplies(ctx)) {
    // Anything the fast path cannot finish (a source libvips refuses midway, say) goes the long
    // way, so that errors and edge cases are the step list's.
    const fast = await runFastPath(ctx).catch(() => null);
    if (fast) return { ...fast, ...origin };
    ctx = contextFor(input, header, options, settings, outputFormat);
  }
  for (const step of PIPELINE) await step(ctx);
  return resultOf(ctx, origin);
}

/** The context a run starts from, after the output format and the source's limits are checked. */
export function contextFor(
  input: Buffer,
  header: SourceHeader,
  options: ProcessingOptions,
  settings: PipelineSettings,
  outputFormat: ImageFormat,
): PipelineContext {
  const { info } = header;
  if (!FORMATS[outputFormat].canSave) {
    throw unprocessable(`Resulting image format is not supported: ${outputFormat}`);
  }
  const animated =
    info.isAnimated && FORMATS[outputFormat].supportsAnimation && options.security.maxAnimationFrames > 1;
  const frameCount = framesToLoad(info, options.security, animated);
  checkSourceLimits(info, options.security, frameCount);

  const ctx = createContext({
    input,
    source: info,
    sourceMeta: header.meta,
    options,
    settings,
    format: outputFormat,
    animated,
    frameCount,
    // imgproxy keeps 16-bit (and float) sources deep only when asked to and when the format can carry it.
    highBitDepth:
      options.preserveHdr &&
      FORMATS[outputFormat].supportsHdr &&
      !EIGHT_BIT.has(header.meta.depth ?? 'uchar'),
  });
  checkResultSize(ctx);
  return ctx;
}

const EIGHT_BIT = new Set(['uchar', 'char']);

/**
 * Steps hold whole frames in memory, so a result of absurd size (w:50000/h:50000/el:1) would
 * exhaust it: refuse what no encoder-bound image needs. imgproxy has no such limit; it relies on
 * max_result_dimension, which stays the way to set a tighter one.
 */
export const MAX_RESULT_PIXELS = 0x3fff * 0x3fff;

function checkResultSize(ctx: PipelineContext): void {
  const { width, height } = plannedSize(ctx.geometry, ctx.options);
  if (width * height * ctx.frameCount > MAX_RESULT_PIXELS) {
    throw unprocessable('Resulting image is too big');
  }
}

/** The source itself, when it is returned unprocessed: an SVG asked for as SVG, or a skip_processing format. */
function passThrough(
  input: Buffer,
  header: SourceHeader,
  options: ProcessingOptions,
  settings: PipelineSettings,
  outputFormat: ImageFormat,
): Buffer | null {
  const source = header.info.format;
  if (source === 'svg' && outputFormat === 'svg') return settings.sanitizeSvg ? sanitizeSvg(input) : input;
  if (source === outputFormat && options.skipProcessingFormats.includes(source)) return input;
  return null;
}

function resultOf(
  ctx: PipelineContext,
  origin: { originWidth: number; originHeight: number },
): ProcessedImage {
  const frame = ctx.frames[0]!;
  return {
    data: ctx.result!.data,
    format: ctx.result!.format,
    width: frame.width,
    height: frame.height,
    ...origin,
  };
}
