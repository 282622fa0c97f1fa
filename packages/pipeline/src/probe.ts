import { type ImageFormat, type SecurityOptions, unprocessable } from '@tintype/url';
import sharp, { type Metadata } from 'sharp';
import { FORMATS, sniffUnloadable } from './formats.js';

/** What the header of a source says, read without decoding its pixels. */
export interface SourceInfo {
  format: ImageFormat;
  /** Size of one frame as stored, before any EXIF orientation is applied. */
  width: number;
  height: number;
  pages: number;
  hasAlpha: boolean;
  /** EXIF orientation, 1-8 (1 when absent). */
  orientation: number;
  isAnimated: boolean;
  /** Frame delays in milliseconds, for animations. */
  delay: number[];
  /** Animation loop count, 0 = forever. */
  loop: number;
}

/** The header plus what the pipeline keeps for later (colour profile, EXIF, XMP, palette). */
export interface SourceHeader {
  info: SourceInfo;
  meta: Metadata;
}

/**
 * Why decoding stops where it does: 'error' refuses truncated and corrupt data, which would
 * otherwise come out as grey or half-drawn images, but tolerates the harmless warnings many
 * camera JPEGs carry (the stricter 'warning' would refuse those).
 */
export const FAIL_ON = 'error' as const;

const SHARP_FORMATS: Partial<Record<string, ImageFormat>> = {
  jpeg: 'jpeg',
  png: 'png',
  webp: 'webp',
  gif: 'gif',
  tiff: 'tiff',
  svg: 'svg',
};

export async function readHeader(input: Buffer): Promise<SourceHeader> {
  if (input.length === 0) throw unprocessable('Source image is empty');

  const sniffed = sniffUnloadable(input);
  if (sniffed) throw cannotLoad(sniffed);

  let meta: Metadata;
  try {
    // Reading a header costs nothing whatever size it claims; the limits are checked on it afterwards.
    meta = await sharp(input, { failOn: FAIL_ON, limitInputPixels: false }).metadata();
  } catch (cause) {
    throw unprocessable('Invalid source image: not an image or an unsupported format', cause);
  }

  const format = sharpFormat(meta);
  if (!format) throw unprocessable(`Source image format is not supported: ${meta.format}`);
  if (!FORMATS[format].canLoad) throw cannotLoad(format);
  if (!meta.width || !meta.height) throw unprocessable('Invalid source image: no dimensions');

  const pages = meta.pages ?? 1;
  return {
    meta,
    info: {
      format,
      width: meta.width,
      height: meta.pageHeight ?? meta.height,
      pages,
      hasAlpha: meta.hasAlpha,
      orientation: meta.orientation ?? 1,
      isAnimated: pages > 1 && (format === 'gif' || format === 'webp'),
      delay: meta.delay ?? [],
      loop: meta.loop ?? 0,
    },
  };
}

/**
 * Bytes the decoder of this source holds at once, estimated from its header: what the server's
 * pixel limiter budgets. A baseline JPEG is decoded in strips, already shrunk (shrink-on-load):
 * little. A progressive JPEG keeps every DCT coefficient of the image until its last scan: 2 bytes
 * per sample, the chroma subsampled. Anything else counts as one whole frame. Measured with
 * `node bench/decode-memory.mjs` (the bench corpus, each source resized to fit 512x512 alone, in a
 * fresh process, on tcmalloc; MiB): baseline JPEGs of 4–24 MP 2–3; progressive JPEGs 15–98 against
 * 13–96 estimated (4:4:4 within 2 %; 4:2:0 measured up to a third above the estimate); PNGs and WebPs of 4.1–6.2 MP
 * 14–26 against 12–18.
 */
export function decodeBytes({ info, meta }: SourceHeader): number {
  const pixels = info.width * info.height;
  if (info.format === 'jpeg' && !meta.isProgressive) return 0;
  if (info.format === 'jpeg') return pixels * 2 * jpegSamplesPerPixel(meta);
  return pixels * (meta.channels ?? 4) * (BYTES_PER_SAMPLE[meta.depth ?? 'uchar'] ?? 1);
}

const BYTES_PER_SAMPLE: Partial<Record<string, number>> = { ushort: 2, short: 2, uint: 4, int: 4, float: 4 };

/** Samples per pixel of a JPEG's planes: '4:2:0' is 1 + 2 x 1/4, '4:4:4' 3, a CMYK '4:4:4:4' 4. */
function jpegSamplesPerPixel(meta: Metadata): number {
  const [j, a, b, k] = (meta.chromaSubsampling ?? '').split(':').map(Number);
  if (!j || a === undefined || b === undefined) return meta.channels ?? 3;
  return 1 + 2 * (a / j) * (b === 0 ? 0.5 : 1) + (k ? 1 : 0);
}

function sharpFormat(meta: Metadata): ImageFormat | undefined {
  if (meta.format === 'heif') return meta.compression === 'av1' ? 'avif' : 'heic';
  return SHARP_FORMATS[meta.format];
}

const cannotLoad = (format: ImageFormat) =>
  unprocessable(`Source image format is not supported: ${format} images cannot be decoded by this server`);

/** Reads the header of a source: format, size, frames, alpha, orientation. Throws a 422 for anything else. */
export async function probeImage(input: Buffer): Promise<SourceInfo> {
  return (await readHeader(input)).info;
}

/** How many frames processing will decode: all of an animation (up to the limit) or the first. */
export function framesToLoad(info: SourceInfo, security: SecurityOptions, animatedOutput = true): number {
  return info.isAnimated && animatedOutput && security.maxAnimationFrames > 1
    ? Math.min(info.pages, security.maxAnimationFrames)
    : 1;
}

/**
 * imgproxy's resolution checks, on header values, so that a small file claiming 50000x50000 is
 * refused before a single pixel is decoded. Frames beyond max_animation_frames are not refused,
 * they are not decoded (imgproxy 4 does the same). Vectors are exempt: they render at the size
 * asked for, and an oversized one is rendered smaller.
 */
export function checkSourceLimits(
  info: SourceInfo,
  security: SecurityOptions,
  frames = framesToLoad(info, security),
): void {
  if (FORMATS[info.format].isVector) return;
  const framePixels = info.width * info.height;
  if (frames > 1 && security.maxAnimationFrameResolution > 0) {
    if (framePixels > security.maxAnimationFrameResolution) {
      throw unprocessable('Source image frame resolution is too big');
    }
    return;
  }
  if (security.maxSrcResolution > 0 && framePixels * frames > security.maxSrcResolution) {
    throw unprocessable('Source image resolution is too big');
  }
}

/** The pixel budget passed to sharp as its own backstop: the same numbers the check above allowed. */
export function pixelBudget(security: SecurityOptions, frames: number): number | false {
  if (frames > 1 && security.maxAnimationFrameResolution > 0)
    return security.maxAnimationFrameResolution * frames;
  return security.maxSrcResolution > 0 ? security.maxSrcResolution : false;
}
