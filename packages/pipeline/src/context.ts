import type { ImageFormat, ProcessingOptions } from '@tintype/url';
import type { Metadata } from 'sharp';
import { calcGeometry, type Geometry } from './geometry.js';
import type { Pixels } from './pixels.js';
import type { SourceInfo } from './probe.js';
import type { PipelineSettings } from './settings.js';

/** What the last steps hand to the encoder besides pixels. */
export interface OutputMetadata {
  /** Path of an ICC profile to convert into and embed, or null for plain sRGB without a profile. */
  iccProfile: string | null;
  exif: Record<string, Record<string, string>> | null;
  xmp: string | null;
}

/** Everything one run of the pipeline works on. Steps read it and replace `frames` and `geometry`. */
export interface PipelineContext {
  readonly input: Buffer;
  readonly source: SourceInfo;
  /** The source header as sharp read it (colour profile, EXIF, XMP, palette). */
  readonly sourceMeta: Metadata;
  readonly options: ProcessingOptions;
  readonly settings: PipelineSettings;
  /** The format asked for; the save step may still switch AVIF to PNG/JPEG below 16 pixels, as imgproxy does. */
  format: ImageFormat;
  /** True when every frame of an animation is processed and saved as an animation. */
  readonly animated: boolean;
  /** How many frames are decoded. */
  readonly frameCount: number;
  /** preserve_hdr with a deep source and a format that keeps depth: work in 16 bits per sample. */
  readonly highBitDepth: boolean;
  /** The image, one entry per frame; empty until a step decodes the source. */
  frames: Pixels[];
  geometry: Geometry;
  /** imgproxy's "image data is still available": false once trim has cut the decoded image, so it cannot be reloaded smaller. */
  reloadable: boolean;
  /** For SVG larger than max_src_resolution: how much smaller than its natural size it is rendered. */
  vectorBaseShrink: number;
  output: OutputMetadata;
  result: { data: Buffer; format: ImageFormat } | null;
}

export type Step = (ctx: PipelineContext) => void | Promise<void>;

export interface ContextInit {
  input: Buffer;
  source: SourceInfo;
  sourceMeta: Metadata;
  options: ProcessingOptions;
  settings: PipelineSettings;
  format: ImageFormat;
  animated: boolean;
  frameCount: number;
  highBitDepth: boolean;
}

export function createContext(init: ContextInit): PipelineContext {
  return {
    ...init,
    frames: [],
    geometry: calcGeometry(
      {
        width: init.source.width,
        height: init.source.height,
        orientation: init.source.orientation,
        isVector: init.source.format === 'svg',
      },
      init.options,
    ),
    reloadable: true,
    vectorBaseShrink: 1,
    output: { iccProfile: null, exif: null, xmp: null },
    result: null,
  };
}

/** The size of one frame of the image as it is now. */
export function frameSize(ctx: PipelineContext): { width: number; height: number } {
  const first = ctx.frames[0];
  if (!first) throw new Error('pipeline step ran before the image was decoded');
  return { width: first.width, height: first.height };
}

/** Applies the same operation to every frame. */
export async function eachFrame(
  ctx: PipelineContext,
  op: (frame: Pixels) => Pixels | Promise<Pixels>,
): Promise<void> {
  ctx.frames = await Promise.all(ctx.frames.map(op));
}

/** imgproxy's CalcParams: recompute the geometry from the image as it is now (after trim, for instance). */
export function recalcGeometry(ctx: PipelineContext): void {
  const { width, height } = frameSize(ctx);
  ctx.geometry = calcGeometry(
    {
      width,
      height,
      orientation: ctx.source.orientation,
      isVector: ctx.source.format === 'svg' && ctx.reloadable,
    },
    ctx.options,
  );
}
