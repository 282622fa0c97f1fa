import type { ImageFormat } from '@tintype/url';

/**
 * Everything the pipeline and the server need to know about a format, in one table. The
 * capability columns follow imgproxy's `imagetype/defs.go`; canLoad/canSave say what the sharp
 * build we ship (libvips 8.18 prebuilt) can really do.
 */
export interface FormatDescriptor {
  format: ImageFormat;
  mime: string;
  /** File extension without the dot, as imgproxy names downloads. */
  extension: string;
  isVector: boolean;
  supportsAlpha: boolean;
  /** Can carry an animation on save. */
  supportsAnimation: boolean;
  supportsQuality: boolean;
  supportsColourProfile: boolean;
  supportsHdr: boolean;
  /** Longest side an encoder accepts; larger results are scaled down (imgproxy's fix_size). */
  maxDimension: number;
  canLoad: boolean;
  canSave: boolean;
}

const row = (
  format: ImageFormat,
  mime: string,
  extension: string,
  caps: Omit<FormatDescriptor, 'format' | 'mime' | 'extension'>,
): FormatDescriptor => Object.freeze({ format, mime, extension, ...caps });

const NO_LIMIT = Number.POSITIVE_INFINITY;

// biome-ignore format: one line per format reads as a table.
export const FORMATS: Readonly<Record<ImageFormat, FormatDescriptor>> = Object.freeze({
  jpeg: row('jpeg', 'image/jpeg', 'jpg', { isVector: false, supportsAlpha: false, supportsAnimation: false, supportsQuality: true, supportsColourProfile: true, supportsHdr: false, maxDimension: NO_LIMIT, canLoad: true, canSave: true }),
  png: row('png', 'image/png', 'png', { isVector: false, supportsAlpha: true, supportsAnimation: false, supportsQuality: false, supportsColourProfile: true, supportsHdr: true, maxDimension: NO_LIMIT, canLoad: true, canSave: true }),
  webp: row('webp', 'image/webp', 'webp', { isVector: false, supportsAlpha: true, supportsAnimation: true, supportsQuality: true, supportsColourProfile: true, supportsHdr: false, maxDimension: 16383, canLoad: true, canSave: true }),
  avif: row('avif', 'image/avif', 'avif', { isVector: false, supportsAlpha: true, supportsAnimation: false, supportsQuality: true, supportsColourProfile: true, supportsHdr: true, maxDimension: 16384, canLoad: true, canSave: true }),
  gif: row('gif', 'image/gif', 'gif', { isVector: false, supportsAlpha: true, supportsAnimation: true, supportsQuality: false, supportsColourProfile: false, supportsHdr: false, maxDimension: 65535, canLoad: true, canSave: true }),
  tiff: row('tiff', 'image/tiff', 'tiff', { isVector: false, supportsAlpha: true, supportsAnimation: false, supportsQuality: true, supportsColourProfile: true, supportsHdr: true, maxDimension: NO_LIMIT, canLoad: true, canSave: true }),
  // SVG is rasterized on load; "saving" one means passing the sanitized source through.
  svg: row('svg', 'image/svg+xml', 'svg', { isVector: true, supportsAlpha: true, supportsAnimation: false, supportsQuality: false, supportsColourProfile: false, supportsHdr: false, maxDimension: NO_LIMIT, canLoad: true, canSave: false }),
  // The prebuilt libheif in sharp decodes and encodes AV1 only: no HEVC, so no HEIC.
  heic: row('heic', 'image/heif', 'heic', { isVector: false, supportsAlpha: true, supportsAnimation: false, supportsQuality: true, supportsColourProfile: true, supportsHdr: false, maxDimension: 16384, canLoad: false, canSave: false }),
  // libvips has no BMP or ICO codec (imgproxy ships its own C ones) and sharp's build has no libjxl.
  bmp: row('bmp', 'image/bmp', 'bmp', { isVector: false, supportsAlpha: true, supportsAnimation: false, supportsQuality: false, supportsColourProfile: false, supportsHdr: false, maxDimension: NO_LIMIT, canLoad: false, canSave: false }),
  ico: row('ico', 'image/x-icon', 'ico', { isVector: false, supportsAlpha: true, supportsAnimation: false, supportsQuality: false, supportsColourProfile: false, supportsHdr: false, maxDimension: 256, canLoad: false, canSave: false }),
  jxl: row('jxl', 'image/jxl', 'jxl', { isVector: false, supportsAlpha: true, supportsAnimation: false, supportsQuality: true, supportsColourProfile: true, supportsHdr: true, maxDimension: NO_LIMIT, canLoad: false, canSave: false }),
});

export const formatInfo = (f: ImageFormat): FormatDescriptor => FORMATS[f];

/**
 * Formats recognised by their first bytes before sharp sees them, so that a file sharp has no
 * codec for gets a message naming its format instead of "unsupported image format".
 */
export function sniffUnloadable(input: Buffer): ImageFormat | null {
  const ascii = (from: number, to: number) => input.subarray(from, to).toString('latin1');
  if (input.length >= 2 && input[0] === 0xff && input[1] === 0x0a) return 'jxl';
  if (ascii(4, 8) === 'JXL ' && input[0] === 0 && input[3] === 0x0c) return 'jxl';
  if (input.length >= 4 && input[0] === 0 && input[1] === 0 && input[2] === 1 && input[3] === 0) return 'ico';
  if (ascii(0, 2) === 'BM') return 'bmp';
  return null;
}
