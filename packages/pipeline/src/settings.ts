import type { ImageFormat } from '@tintype/url';

export const WEBP_PRESETS = ['default', 'photo', 'picture', 'drawing', 'icon', 'text'] as const;
export type WebpPreset = (typeof WEBP_PRESETS)[number];

/**
 * Process-wide settings of the pipeline: the IMGPROXY_* variables that change how images are
 * processed and encoded. The server fills them from its config; the defaults are imgproxy's.
 */
export interface PipelineSettings {
  /** IMGPROXY_QUALITY */
  quality: number;
  /** IMGPROXY_FORMAT_QUALITY */
  formatQuality: Partial<Record<ImageFormat, number>>;
  /** IMGPROXY_JPEG_PROGRESSIVE */
  jpegProgressive: boolean;
  /** IMGPROXY_PNG_INTERLACED */
  pngInterlaced: boolean;
  /** IMGPROXY_PNG_QUANTIZE */
  pngQuantize: boolean;
  /** IMGPROXY_PNG_QUANTIZATION_COLORS, 2-256 */
  pngQuantizationColors: number;
  /** IMGPROXY_WEBP_EFFORT, 1-6 */
  webpEffort: number;
  /** IMGPROXY_WEBP_PRESET */
  webpPreset: WebpPreset;
  /** IMGPROXY_AVIF_SPEED, 0-9 */
  avifSpeed: number;
  /** IMGPROXY_USE_LINEAR_COLORSPACE */
  useLinearColorspace: boolean;
  /** IMGPROXY_DISABLE_SHRINK_ON_LOAD */
  disableShrinkOnLoad: boolean;
  /** IMGPROXY_SANITIZE_SVG */
  sanitizeSvg: boolean;
  /** The watermark image, loaded by the server from IMGPROXY_WATERMARK_DATA / _PATH / _URL. */
  watermark: Buffer | null;
  /** IMGPROXY_WATERMARK_OPACITY, multiplied with the URL's opacity. */
  watermarkOpacity: number;
}

export const DEFAULT_PIPELINE_SETTINGS: Readonly<PipelineSettings> = Object.freeze({
  quality: 80,
  formatQuality: Object.freeze({ webp: 79, avif: 63, jxl: 77 }),
  jpegProgressive: false,
  pngInterlaced: false,
  pngQuantize: false,
  pngQuantizationColors: 256,
  webpEffort: 4,
  webpPreset: 'default',
  avifSpeed: 8,
  useLinearColorspace: false,
  disableShrinkOnLoad: false,
  sanitizeSvg: true,
  watermark: null,
  watermarkOpacity: 1,
});

function inRange(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer between ${min} and ${max}, got ${value}`);
  }
}

/** Settings with imgproxy's defaults for everything not given; ranges are checked as imgproxy checks them. */
export function createPipelineSettings(partial: Partial<PipelineSettings> = {}): PipelineSettings {
  const s: PipelineSettings = {
    ...DEFAULT_PIPELINE_SETTINGS,
    ...partial,
    formatQuality: { ...DEFAULT_PIPELINE_SETTINGS.formatQuality, ...partial.formatQuality },
  };
  inRange('quality', s.quality, 1, 100);
  for (const [format, q] of Object.entries(s.formatQuality)) inRange(`formatQuality.${format}`, q, 1, 100);
  inRange('pngQuantizationColors', s.pngQuantizationColors, 2, 256);
  inRange('webpEffort', s.webpEffort, 1, 6);
  inRange('avifSpeed', s.avifSpeed, 0, 9);
  if (!WEBP_PRESETS.includes(s.webpPreset))
    throw new RangeError(`webpPreset must be one of ${WEBP_PRESETS.join(', ')}`);
  if (!(s.watermarkOpacity > 0 && s.watermarkOpacity <= 1)) {
    throw new RangeError(`watermarkOpacity must be above 0 and at most 1, got ${s.watermarkOpacity}`);
  }
  return s;
}
