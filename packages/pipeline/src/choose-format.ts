import { type ImageFormat, type ProcessingOptions, unprocessable } from '@tintype/url';
import { FORMATS } from './formats.js';
import type { SourceInfo } from './probe.js';

export interface FormatSettings {
  /** IMGPROXY_AUTO_WEBP */
  autoWebp: boolean;
  /** IMGPROXY_ENFORCE_WEBP */
  enforceWebp: boolean;
  /** IMGPROXY_AUTO_AVIF */
  autoAvif: boolean;
  /** IMGPROXY_ENFORCE_AVIF */
  enforceAvif: boolean;
  /** IMGPROXY_PREFERRED_FORMATS (default jpeg, png, gif); formats we cannot save are ignored. */
  preferredFormats: ImageFormat[];
  /** IMGPROXY_ALWAYS_RASTERIZE_SVG */
  alwaysRasterizeSvg?: boolean;
}

export interface FormatChoiceInput {
  /** The format named by the URL (`format` option or extension), or null. */
  requested: ImageFormat | null;
  source: SourceInfo;
  /** What the request's Accept header allows. */
  accept: { webp: boolean; avif: boolean };
  settings: FormatSettings;
  /** The parsed options: background, padding, extend and the animation limit decide what the result must carry. */
  options: ProcessingOptions;
}

export interface FormatChoice {
  format: ImageFormat;
  /** The answer depends on Accept: send `Vary: Accept`. */
  varyAccept: boolean;
  /** The source is returned as it is (SVG passthrough, IMGPROXY_SKIP_PROCESSING_FORMATS). */
  skipProcessing: boolean;
}

/**
 * imgproxy's output format rules. In order: sources that skip processing keep their format; an
 * explicit format wins, except that ENFORCE_* override it when the client accepts that format;
 * without one, an accepted AVIF or WebP (AUTO_* or ENFORCE_*), then the source's own format if
 * it is preferred, then the first preferred format able to carry the result's transparency and
 * animation. AVIF is never chosen for an animated result.
 */
export function chooseOutputFormat(input: FormatChoiceInput): FormatChoice {
  const { requested, source, accept, settings, options } = input;
  const varyAccept = settings.autoWebp || settings.enforceWebp || settings.autoAvif || settings.enforceAvif;
  const skip = (format: ImageFormat): FormatChoice => ({ format, varyAccept, skipProcessing: true });

  if (shouldSkipProcessing(source.format, requested, options, settings.alwaysRasterizeSvg ?? false)) {
    return skip(source.format);
  }

  const animated = options.security.maxAnimationFrames > 1 && source.isAnimated;
  const preferAvif = accept.avif && (settings.autoAvif || settings.enforceAvif) && !animated;
  const preferWebp = accept.webp && (settings.autoWebp || settings.enforceWebp);
  const preferred = settings.preferredFormats.filter((f) => FORMATS[f].canSave);

  let format: ImageFormat;
  if (requested === null) {
    if (preferAvif) format = 'avif';
    else if (preferWebp) format = 'webp';
    else if (preferred.includes(source.format)) format = source.format;
    else format = firstFitting(preferred, animated, expectsTransparency(source, options));
  } else if (preferAvif && settings.enforceAvif) format = 'avif';
  else if (preferWebp && settings.enforceWebp) format = 'webp';
  else format = requested;

  if (!FORMATS[format].canSave) throw unprocessable(`Resulting image format is not supported: ${format}`);
  return { format, varyAccept, skipProcessing: false };
}

/** imgproxy's skip rules: SVG stays SVG unless a raster format is asked for (or always rasterize is on). */
export function shouldSkipProcessing(
  source: ImageFormat,
  requested: ImageFormat | null,
  options: ProcessingOptions,
  alwaysRasterizeSvg: boolean,
): boolean {
  const skipListed = options.skipProcessingFormats.includes(source);
  if (source === 'svg') {
    return requested === 'svg' || (requested === null && (!alwaysRasterizeSvg || skipListed));
  }
  return skipListed && (requested === null || requested === source);
}

function expectsTransparency(source: SourceInfo, options: ProcessingOptions): boolean {
  const { top, right, bottom, left } = options.padding;
  const padded = top !== 0 || right !== 0 || bottom !== 0 || left !== 0;
  return options.background === null && (source.hasAlpha || padded || options.extend.enabled);
}

function firstFitting(preferred: ImageFormat[], animated: boolean, transparent: boolean): ImageFormat {
  const fits = preferred.find(
    (f) => (!animated || FORMATS[f].supportsAnimation) && (!transparent || FORMATS[f].supportsAlpha),
  );
  const chosen = fits ?? preferred[0];
  if (!chosen) throw unprocessable('No preferred output format can be saved');
  return chosen;
}
