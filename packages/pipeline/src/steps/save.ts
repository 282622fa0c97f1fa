import type { ImageFormat } from '@tintype/url';
import type { Sharp } from 'sharp';
import type { PipelineContext, Step } from '../context.js';
import { FORMATS } from '../formats.js';
import { hasAlpha, sharpOf, stack } from '../pixels.js';
import { fitBytes, resolveQuality } from '../quality.js';

/** AVIF encoders refuse images under this many pixels a side. */
const AVIF_MIN_SIDE = 16;
/** Frame delay for animations that name none: 25 frames a second. */
const DEFAULT_DELAY = 40;

/** Encodes the frames into the output format, fitting max_bytes when asked. */
export const save: Step = async (ctx) => {
  const first = ctx.frames[0]!;
  ctx.format = formatToSave(ctx.format, first.width, first.height, hasAlpha(first));
  const { format } = ctx;
  const quality = resolveQuality(ctx.options, ctx.settings, format);
  const encode = (q: number) => encoder(ctx, format, q).toBuffer();

  const data =
    ctx.options.maxBytes > 0 && FORMATS[format].supportsQuality
      ? await fitBytes(ctx.options.maxBytes, quality, encode)
      : await encode(quality);
  ctx.result = { data, format };
};

/** As imgproxy: a tiny AVIF cannot be written, so the result becomes PNG or JPEG. */
export function formatToSave(
  format: ImageFormat,
  width: number,
  height: number,
  alpha: boolean,
): ImageFormat {
  if (format !== 'avif' || (width >= AVIF_MIN_SIDE && height >= AVIF_MIN_SIDE)) return format;
  return alpha ? 'png' : 'jpeg';
}

function encoder(ctx: PipelineContext, format: ImageFormat, quality: number): Sharp {
  const animated = ctx.animated && ctx.frames.length > 1;
  const deep = ctx.frames[0]!.depth === 16;
  let s = sharpOf(stack(ctx.frames), animated ? ctx.frames[0]!.height : undefined);
  // Without this sharp writes 16-bit pixels as 8-bit.
  if (deep) s = s.toColourspace('rgb16');
  return withEncoder(ctx, s, format, quality, deep, animated ? animationOf(ctx) : {});
}

/** Sets the output metadata and the encoder with its options, as imgproxy sets libvips' savers. */
export function withEncoder(
  ctx: PipelineContext,
  image: Sharp,
  format: ImageFormat,
  quality: number,
  deep = false,
  animation: { delay?: number[]; loop?: number } = {},
): Sharp {
  let s = image;
  const { iccProfile, exif, xmp } = ctx.output;
  if (iccProfile) s = s.withIccProfile(iccProfile, { attach: true });
  if (exif && Object.keys(exif).length > 0) s = s.withExif(exif);
  if (xmp) s = s.withXmp(xmp);

  const st = ctx.settings;
  // libvips picks 4:4:4 chroma from quality 90 up; sharp's defaults differ per format.
  const chromaSubsampling = quality >= 90 ? '4:4:4' : '4:2:0';
  const colours = deep ? null : paletteColours(ctx);

  switch (format) {
    case 'jpeg':
      return s.jpeg({ quality, progressive: st.jpegProgressive, optimiseCoding: true, chromaSubsampling });
    case 'png':
      // Full-colour PNGs get every row filter tried; palette ones none, as imgproxy sets libvips.
      return s.png({
        progressive: st.pngInterlaced,
        adaptiveFiltering: colours === null,
        ...(colours === null ? {} : { palette: true, colours }),
      });
    case 'webp':
      return s.webp({ quality, effort: st.webpEffort, preset: st.webpPreset, ...animation });
    case 'avif':
      // libvips writes deep images as 12-bit AVIF, 8-bit ones as 8-bit.
      return s.avif({ quality, effort: 9 - st.avifSpeed, chromaSubsampling, bitdepth: deep ? 12 : 8 });
    case 'gif':
      return s.gif({ colours: colours ?? 256, ...animation });
    case 'tiff':
      // libvips writes uncompressed TIFF unless told otherwise, and imgproxy does not tell it.
      return s.tiff({ quality, compression: 'none' });
    default:
      throw new Error(`no encoder for ${format}`);
  }
}

/**
 * Palette size for PNG/GIF: IMGPROXY_PNG_QUANTIZE's colour count, or for a palette source its
 * own bit depth (a 16-colour PNG stays a 16-colour PNG); null for full colour.
 */
function paletteColours(ctx: PipelineContext): number | null {
  if (ctx.format === 'png' && ctx.settings.pngQuantize) return ctx.settings.pngQuantizationColors;
  const bits = ctx.sourceMeta.isPalette ? (ctx.sourceMeta.bitsPerSample ?? 8) : 0;
  if (bits <= 0 || bits > 8) return null;
  return 2 ** (bits > 4 ? 8 : bits > 2 ? 4 : bits);
}

/** The source's frame delays (one per frame kept) and loop count. */
function animationOf(ctx: PipelineContext): { delay: number[]; loop: number } {
  const given = ctx.source.delay;
  const delay = ctx.frames.map((_, i) => given[i] ?? given[given.length - 1] ?? DEFAULT_DELAY);
  return { delay, loop: ctx.source.loop };
}
