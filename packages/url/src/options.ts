/**
 * The processing-options model: one typed object that every option of imgproxy's URL language is
 * parsed into. The pipeline reads it, the cache key canonicalizes it. Field names follow imgproxy's
 * option names; defaults follow imgproxy's, with the config-driven ones taken from OptionDefaults.
 */

/** Formats imgproxy knows by name. Which of them sharp can load or save is the pipeline's business. */
export const IMAGE_FORMATS = [
  'jpeg',
  'png',
  'webp',
  'avif',
  'gif',
  'tiff',
  'svg',
  'heic',
  'bmp',
  'ico',
  'jxl',
] as const;
export type ImageFormat = (typeof IMAGE_FORMATS)[number];

export const RESIZING_TYPES = ['fit', 'fill', 'fill-down', 'force', 'auto'] as const;
export type ResizingType = (typeof RESIZING_TYPES)[number];

/** Compass gravities, shared by every option that takes a gravity. */
export const COMPASS_GRAVITIES = ['ce', 'no', 'ea', 'so', 'we', 'noea', 'nowe', 'soea', 'sowe'] as const;
export type CompassGravity = (typeof COMPASS_GRAVITIES)[number];
/** `sm` (smart, sharp's attention strategy) and `fp` (focus point) are valid for gravity and crop. */
export type GravityType = CompassGravity | 'sm' | 'fp';
/** Watermark positions add `re` (replicate, i.e. tile). */
export type WatermarkPosition = CompassGravity | 're';

export interface Gravity {
  type: GravityType;
  /** Offset along X (pixels, or a fraction below 1 for relative offsets); the focus point X for `fp`. */
  x: number;
  /** Offset along Y; the focus point Y for `fp`. */
  y: number;
}

export interface Rgb {
  r: number;
  g: number;
  b: number;
}

export interface ExtendOptions {
  enabled: boolean;
  gravity: Gravity;
}

export interface SecurityOptions {
  maxSrcResolution: number;
  maxSrcFileSize: number;
  maxAnimationFrames: number;
  maxAnimationFrameResolution: number;
  maxResultDimension: number;
}

export interface ProcessingOptions {
  resizingType: ResizingType;
  width: number;
  height: number;
  minWidth: number;
  minHeight: number;
  zoomWidth: number;
  zoomHeight: number;
  dpr: number;
  enlarge: boolean;
  extend: ExtendOptions;
  extendAspectRatio: ExtendOptions;
  gravity: Gravity;
  /** Width/height of 0 mean "no crop on that side"; values below 1 are fractions of the image. */
  crop: { width: number; height: number; gravity: Gravity | null };
  padding: { top: number; right: number; bottom: number; left: number };
  trim: {
    enabled: boolean;
    threshold: number;
    color: Rgb | null;
    equalHorizontal: boolean;
    equalVertical: boolean;
  };
  rotate: number;
  flip: { horizontal: boolean; vertical: boolean };
  autoRotate: boolean;
  /** null: not set; the pipeline flattens onto white when the output cannot carry alpha. */
  background: Rgb | null;
  blur: number;
  sharpen: number;
  pixelate: number;
  /** opacity 0 means no watermark. */
  watermark: { opacity: number; position: WatermarkPosition; x: number; y: number; scale: number };
  stripMetadata: boolean;
  keepCopyright: boolean;
  stripColorProfile: boolean;
  preserveHdr: boolean;
  enforceThumbnail: boolean;
  /** 0: use the format's configured default. */
  quality: number;
  formatQuality: Partial<Record<ImageFormat, number>>;
  maxBytes: number;
  /** null: chosen by the server (extension, Accept, source format). */
  format: ImageFormat | null;
  skipProcessingFormats: ImageFormat[];
  raw: boolean;
  cacheBuster: string;
  /** Unix time in seconds after which the URL is refused, or null. */
  expires: number | null;
  filename: string;
  returnAttachment: boolean;
  /** Skip the internal cache for this request (needs IMGPROXY_ALLOW_BYPASS_CACHE). */
  bypassCache: boolean;
  cacheTags: string[];
  usedPresets: string[];
  security: SecurityOptions;
}

/** The defaults that come from configuration (IMGPROXY_QUALITY, IMGPROXY_STRIP_METADATA, ...). */
export interface OptionDefaults {
  quality: number;
  formatQuality: Partial<Record<ImageFormat, number>>;
  stripMetadata: boolean;
  keepCopyright: boolean;
  stripColorProfile: boolean;
  autoRotate: boolean;
  enforceThumbnail: boolean;
  preserveHdr: boolean;
  watermarkOpacity: number;
  skipProcessingFormats: ImageFormat[];
  security: SecurityOptions;
}

/** imgproxy's own defaults for the config-driven values. */
export const IMGPROXY_OPTION_DEFAULTS: OptionDefaults = Object.freeze({
  quality: 80,
  formatQuality: { webp: 79, avif: 63, jxl: 77 },
  stripMetadata: true,
  keepCopyright: true,
  stripColorProfile: true,
  autoRotate: true,
  enforceThumbnail: false,
  preserveHdr: false,
  watermarkOpacity: 1,
  skipProcessingFormats: [],
  security: {
    maxSrcResolution: 50_000_000,
    maxSrcFileSize: 0,
    maxAnimationFrames: 1,
    maxAnimationFrameResolution: 0,
    maxResultDimension: 0,
  },
});

const centre = (): Gravity => ({ type: 'ce', x: 0, y: 0 });

/** A fresh, mutable options object holding every default. */
export function defaultOptions(defaults: OptionDefaults = IMGPROXY_OPTION_DEFAULTS): ProcessingOptions {
  return {
    resizingType: 'fit',
    width: 0,
    height: 0,
    minWidth: 0,
    minHeight: 0,
    zoomWidth: 1,
    zoomHeight: 1,
    dpr: 1,
    enlarge: false,
    extend: { enabled: false, gravity: centre() },
    extendAspectRatio: { enabled: false, gravity: centre() },
    gravity: centre(),
    crop: { width: 0, height: 0, gravity: null },
    padding: { top: 0, right: 0, bottom: 0, left: 0 },
    trim: { enabled: false, threshold: 10, color: null, equalHorizontal: false, equalVertical: false },
    rotate: 0,
    flip: { horizontal: false, vertical: false },
    autoRotate: defaults.autoRotate,
    background: null,
    blur: 0,
    sharpen: 0,
    pixelate: 0,
    watermark: { opacity: 0, position: 'ce', x: 0, y: 0, scale: 0 },
    stripMetadata: defaults.stripMetadata,
    keepCopyright: defaults.keepCopyright,
    stripColorProfile: defaults.stripColorProfile,
    preserveHdr: defaults.preserveHdr,
    enforceThumbnail: defaults.enforceThumbnail,
    quality: 0,
    formatQuality: { ...defaults.formatQuality },
    maxBytes: 0,
    format: null,
    skipProcessingFormats: [...defaults.skipProcessingFormats],
    raw: false,
    cacheBuster: '',
    expires: null,
    filename: '',
    returnAttachment: false,
    bypassCache: false,
    cacheTags: [],
    usedPresets: [],
    security: { ...defaults.security },
  };
}
