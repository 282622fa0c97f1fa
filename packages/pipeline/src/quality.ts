import type { ImageFormat, ProcessingOptions } from '@tintype/url';
import type { PipelineSettings } from './settings.js';

/** imgproxy's order: the URL's quality, the URL's format_quality, IMGPROXY_FORMAT_QUALITY, IMGPROXY_QUALITY. */
export function resolveQuality(
  options: ProcessingOptions,
  settings: PipelineSettings,
  format: ImageFormat,
): number {
  if (options.quality > 0) return options.quality;
  const fromUrl = options.formatQuality[format] ?? 0;
  if (fromUrl > 0) return fromUrl;
  const fromConfig = settings.formatQuality[format] ?? 0;
  return fromConfig > 0 ? fromConfig : settings.quality;
}

/**
 * imgproxy's save-to-fit: encode, and while the result is over maxBytes, lower the quality by how
 * far over it is, down to 10 at the lowest (the last attempt is returned even if still too big).
 */
export async function fitBytes(
  maxBytes: number,
  startQuality: number,
  encode: (quality: number) => Promise<Buffer>,
): Promise<Buffer> {
  let quality = startQuality;
  for (;;) {
    const data = await encode(quality);
    if (data.length <= maxBytes || quality <= 10) return data;
    const delta = data.length / maxBytes;
    const factor = delta > 3 ? 0.25 : delta > 1.5 ? 0.5 : 0.75;
    // Always lower it, even when rounding would not.
    quality = Math.max(1, Math.min(quality - 1, Math.round(quality * factor)));
  }
}
