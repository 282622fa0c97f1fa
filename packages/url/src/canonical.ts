/**
 * The canonical form of parsed options: one string that is equal for two option sets exactly when
 * they ask for the same output bytes, and that later becomes part of the cache key.
 *
 * Every field of ProcessingOptions is classified below, in a table typed over all of its keys: a new
 * field does not compile until it is either encoded here or declared as not affecting the output.
 * Nested objects are destructured with nothing left over, for the same reason.
 */
import {
  defaultOptions,
  type Gravity,
  IMGPROXY_OPTION_DEFAULTS,
  type ProcessingOptions,
  type Rgb,
} from './options.js';

type Encode = (o: ProcessingOptions) => string;

/** Why a field is left out of the canonical form. */
type Excluded = 'response headers only' | 'cache control' | 'bookkeeping';

type Rule = { segment: string; encode: Encode } | { excluded: Excluded };

/** Compile-time proof that a destructuring left no field unclassified. */
const noneLeft = (_rest: Record<string, never>): void => {};

/** Numbers in one spelling: shortest round-trip decimal, and no negative zero. */
const num = (n: number): string => String(n + 0);
const flag = (b: boolean): string => (b ? '1' : '0');
const hex = (c: Rgb | null): string => {
  if (c === null) return '';
  const { r, g, b, ...rest } = c;
  noneLeft(rest);
  return [r, g, b].map((v) => v.toString(16).padStart(2, '0')).join('');
};
const gravity = (gr: Gravity): string => {
  const { type, x, y, ...rest } = gr;
  noneLeft(rest);
  return `${type}:${num(x)}:${num(y)}`;
};

/**
 * The order of this table is the order of the canonical string, and so part of every cache key:
 * append new fields, never reorder. Equivalent spellings are folded where imgproxy treats them
 * alike (noted beside each), so more requests share an entry.
 */
const RULES: { readonly [K in keyof ProcessingOptions]-?: Rule } = {
  resizingType: { segment: 'rt', encode: (o) => o.resizingType },
  width: { segment: 'w', encode: (o) => num(o.width) },
  height: { segment: 'h', encode: (o) => num(o.height) },
  minWidth: { segment: 'mw', encode: (o) => num(o.minWidth) },
  minHeight: { segment: 'mh', encode: (o) => num(o.minHeight) },
  zoomWidth: { segment: 'zw', encode: (o) => num(o.zoomWidth) },
  zoomHeight: { segment: 'zh', encode: (o) => num(o.zoomHeight) },
  dpr: { segment: 'dpr', encode: (o) => num(o.dpr) },
  enlarge: { segment: 'el', encode: (o) => flag(o.enlarge) },
  // The gravity of a disabled extend is never used.
  extend: { segment: 'ex', encode: (o) => extend(o.extend) },
  extendAspectRatio: { segment: 'exar', encode: (o) => extend(o.extendAspectRatio) },
  gravity: { segment: 'g', encode: (o) => gravity(o.gravity) },
  crop: {
    segment: 'c',
    encode: (o) => {
      const { width, height, gravity: g, ...rest } = o.crop;
      noneLeft(rest);
      // Without a size there is no crop, whatever its gravity.
      if (width === 0 && height === 0) return '0:0';
      return `${num(width)}:${num(height)}:${g === null ? 'inherit' : gravity(g)}`;
    },
  },
  padding: {
    segment: 'pd',
    encode: (o) => {
      const { top, right, bottom, left, ...rest } = o.padding;
      noneLeft(rest);
      return [top, right, bottom, left].map(num).join(':');
    },
  },
  trim: {
    segment: 't',
    encode: (o) => {
      const { enabled, threshold, color, equalHorizontal, equalVertical, ...rest } = o.trim;
      noneLeft(rest);
      // Settings of a disabled trim are never used.
      if (!enabled) return 'off';
      return `${num(threshold)}:${hex(color)}:${flag(equalHorizontal)}:${flag(equalVertical)}`;
    },
  },
  // A full turn is no turn.
  rotate: { segment: 'rot', encode: (o) => num(o.rotate % 360 === 0 ? 0 : o.rotate) },
  flip: {
    segment: 'fl',
    encode: (o) => {
      const { horizontal, vertical, ...rest } = o.flip;
      noneLeft(rest);
      return `${flag(horizontal)}:${flag(vertical)}`;
    },
  },
  autoRotate: { segment: 'ar', encode: (o) => flag(o.autoRotate) },
  background: { segment: 'bg', encode: (o) => hex(o.background) },
  blur: { segment: 'bl', encode: (o) => num(o.blur) },
  sharpen: { segment: 'sh', encode: (o) => num(o.sharpen) },
  // Blocks of one pixel are no pixelation.
  pixelate: { segment: 'pix', encode: (o) => num(o.pixelate <= 1 ? 0 : o.pixelate) },
  watermark: {
    segment: 'wm',
    encode: (o) => {
      const { opacity, position, x, y, scale, ...rest } = o.watermark;
      noneLeft(rest);
      // An invisible watermark is not drawn at all.
      if (opacity === 0) return '0';
      return `${num(opacity)}:${position}:${num(x)}:${num(y)}:${num(scale)}`;
    },
  },
  stripMetadata: { segment: 'sm', encode: (o) => flag(o.stripMetadata) },
  keepCopyright: { segment: 'kcr', encode: (o) => flag(o.keepCopyright) },
  stripColorProfile: { segment: 'scp', encode: (o) => flag(o.stripColorProfile) },
  preserveHdr: { segment: 'ph', encode: (o) => flag(o.preserveHdr) },
  enforceThumbnail: { segment: 'eth', encode: (o) => flag(o.enforceThumbnail) },
  quality: { segment: 'q', encode: (o) => num(o.quality) },
  // An explicit quality overrides every per-format one, which then reads as the default.
  formatQuality: {
    segment: 'fq',
    encode: (o) => formatQuality(o.quality > 0 ? IMGPROXY_OPTION_DEFAULTS.formatQuality : o.formatQuality),
  },
  maxBytes: { segment: 'mb', encode: (o) => num(o.maxBytes) },
  format: { segment: 'f', encode: (o) => o.format ?? '' },
  skipProcessingFormats: {
    segment: 'skp',
    encode: (o) => [...new Set(o.skipProcessingFormats)].sort().join(':'),
  },
  raw: { segment: 'raw', encode: (o) => flag(o.raw) },
  // Free text: escaped so that no value can imitate the segments that follow it.
  cacheBuster: { segment: 'cb', encode: (o) => encodeURIComponent(o.cacheBuster) },
  expires: { excluded: 'response headers only' },
  filename: { excluded: 'response headers only' },
  returnAttachment: { excluded: 'response headers only' },
  bypassCache: { excluded: 'cache control' },
  cacheTags: { excluded: 'cache control' },
  usedPresets: { excluded: 'bookkeeping' },
  security: {
    segment: 'sec',
    encode: (o) => {
      const {
        maxSrcResolution,
        maxSrcFileSize,
        maxAnimationFrames,
        maxAnimationFrameResolution,
        maxResultDimension,
        ...rest
      } = o.security;
      noneLeft(rest);
      return [
        maxSrcResolution,
        maxSrcFileSize,
        maxAnimationFrames,
        maxAnimationFrameResolution,
        maxResultDimension,
      ]
        .map(num)
        .join(':');
    },
  },
};

function formatQuality(fq: ProcessingOptions['formatQuality']): string {
  return Object.entries(fq)
    .filter(([, q]) => q !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([f, q]) => `${f}:${num(q!)}`)
    .join(':');
}

function extend(e: ProcessingOptions['extend']): string {
  const { enabled, gravity: g, ...rest } = e;
  noneLeft(rest);
  return enabled ? `1:${gravity(g)}` : '0';
}

const ENCODED = Object.values(RULES).filter((r): r is Extract<Rule, { segment: string }> => 'segment' in r);

/**
 * Measured against imgproxy's built-in defaults, not the configured ones, so that a change of
 * configured defaults (e.g. IMGPROXY_STRIP_METADATA) shows up in the canonical form.
 */
const BASELINE = new Map(ENCODED.map((r) => [r.segment, r.encode(defaultOptions(IMGPROXY_OPTION_DEFAULTS))]));

/** Fields that never reach the canonical form, and why (for docs and tests). */
export const EXCLUDED_FROM_CANONICAL: Readonly<Record<string, Excluded>> = Object.fromEntries(
  Object.entries(RULES).flatMap(([field, r]) => ('excluded' in r ? [[field, r.excluded]] : [])),
);

/**
 * `segment:value` for each field that differs from imgproxy's defaults, `/`-joined in a fixed
 * order; '' when nothing differs. Not a URL: it is only ever compared and hashed.
 */
export function canonicalOptions(o: ProcessingOptions): string {
  const parts: string[] = [];
  for (const { segment, encode } of ENCODED) {
    const value = encode(o);
    if (value !== BASELINE.get(segment)) parts.push(`${segment}:${value}`);
  }
  return parts.join('/');
}
