/**
 * Every processing option of imgproxy's URL language, in one table: its names (full name first,
 * then the short ones) and how its arguments change the options. Bad input is a 404 here, before
 * any pixel is touched. Rules and messages follow imgproxy's options/parser.
 */
import * as arg from './args.js';
import { expiredUrl, forbidden, invalidOption } from './errors.js';
import { decodeBase64Url, goFloat, goInt, utf8 } from './go-text.js';
import {
  type ExtendOptions,
  IMAGE_FORMATS,
  type ImageFormat,
  type OptionDefaults,
  type ProcessingOptions,
  RESIZING_TYPES,
  type SecurityOptions,
  type WatermarkPosition,
} from './options.js';

/** One `name:arg:arg` segment of a path or a preset. */
export interface OptionCall {
  name: string;
  args: string[];
}

/** What applying options needs from the settings. */
export interface OptionSettings {
  presets: ReadonlyMap<string, readonly OptionCall[]>;
  /** Names (as written in URLs) a URL may use; empty allows all. Presets are exempt. */
  allowedProcessingOptions: readonly string[];
  allowSecurityOptions: boolean;
  allowBypassCache: boolean;
  optionDefaults: OptionDefaults;
}

export interface ApplyContext {
  settings: OptionSettings;
  /** For `expires`. */
  now: Date;
  /** Presets being expanded, outermost first, so a preset that names itself is expanded once. */
  presetChain: readonly string[];
}

type Apply = (o: ProcessingOptions, args: readonly string[], ctx: ApplyContext, name: string) => void;

interface OptionSpec {
  names: readonly string[];
  apply: Apply;
}

const first = (args: readonly string[]) => args[0] ?? '';

/** An option with exactly one argument, read by `read` and stored by `store`. */
function single<T>(
  key: string,
  read: (key: string, s: string) => T,
  store: (o: ProcessingOptions, v: T) => void,
): Apply {
  return (o, args) => {
    arg.maxArgs(key, args, 1);
    store(o, read(key, first(args)));
  };
}

const flag = (key: string, store: (o: ProcessingOptions, v: boolean) => void) =>
  single(key, (_, s) => arg.bool(s), store);

/** A setter for one top-level field. */
const set =
  <K extends keyof ProcessingOptions>(field: K) =>
  (o: ProcessingOptions, v: ProcessingOptions[K]) => {
    o[field] = v;
  };

const setSecurity =
  <K extends keyof SecurityOptions>(field: K) =>
  (o: ProcessingOptions, v: SecurityOptions[K]) => {
    o.security[field] = v;
  };

export function formatByName(name: string): ImageFormat | undefined {
  if (name === 'jpg') return 'jpeg';
  return (IMAGE_FORMATS as readonly string[]).includes(name) ? (name as ImageFormat) : undefined;
}

const resizingType = single('resizing_type', (k, s) => arg.oneOf(k, s, RESIZING_TYPES), set('resizingType'));
const width = single('width', arg.nonNegativeInt, set('width'));
const height = single('height', arg.nonNegativeInt, set('height'));
const enlarge = flag('enlarge', set('enlarge'));

function extendWith(key: string, pick: (o: ProcessingOptions) => ExtendOptions): Apply {
  return (o, args) => {
    arg.maxArgs(key, args, 4);
    const target = pick(o);
    target.enabled = arg.bool(first(args));
    if (args.length > 1) arg.gravity(`${key}.gravity`, args.slice(1), arg.EXTEND_GRAVITIES, target.gravity);
  };
}
const extend = extendWith('extend', (o) => o.extend);

const size: Apply = (o, args, ctx, name) => {
  arg.maxArgs('size', args, 7);
  // Empty positions leave that part as it was, so `s::200` sets only the height.
  if (args[0]) width(o, [args[0]], ctx, name);
  if (args[1]) height(o, [args[1]], ctx, name);
  if (args[2]) enlarge(o, [args[2]], ctx, name);
  if (args[3]) extend(o, args.slice(3), ctx, name);
};

const resize: Apply = (o, args, ctx, name) => {
  arg.maxArgs('resize', args, 8);
  if (args[0]) resizingType(o, [args[0]], ctx, name);
  if (args.length > 1) size(o, args.slice(1), ctx, name);
};

const zoom: Apply = (o, args) => {
  arg.maxArgs('zoom', args, 2);
  o.zoomWidth = arg.positiveFloat('zoom_width', first(args));
  o.zoomHeight = args.length < 2 ? o.zoomWidth : arg.positiveFloat('zoom_height', args[1]!);
};

const crop: Apply = (o, args) => {
  o.crop.width = arg.nonNegativeFloat('crop.width', first(args));
  if (args.length > 1) o.crop.height = arg.nonNegativeFloat('crop.height', args[1]!);
  if (args.length > 2) {
    o.crop.gravity ??= { type: 'ce', x: 0, y: 0 };
    arg.gravity('crop.gravity', args.slice(2), arg.CROP_GRAVITIES, o.crop.gravity);
  }
};

const trim: Apply = (o, args) => {
  arg.maxArgs('trim', args, 4);
  // An empty threshold turns trimming off, as in imgproxy (where trim is on iff a threshold is set).
  o.trim.enabled = first(args) !== '';
  o.trim.threshold = o.trim.enabled ? arg.float('trim.threshold', first(args)) : 10;
  o.trim.color = args[1] ? arg.hexColor('trim.color', args[1]) : null;
  if (args[2]) o.trim.equalHorizontal = arg.bool(args[2]);
  if (args[3]) o.trim.equalVertical = arg.bool(args[3]);
};

const padding: Apply = (o, args) => {
  arg.maxArgs('padding', args, 4);
  const p = o.padding;
  // CSS-like: missing sides copy their opposite (bottom from top, left from right).
  if (args[0]) p.top = arg.nonNegativeInt('padding.top', args[0]);
  p.right = args[1] ? arg.nonNegativeInt('padding.right', args[1]) : p.top;
  p.bottom = args[2] ? arg.nonNegativeInt('padding.bottom', args[2]) : p.top;
  p.left = args[3] ? arg.nonNegativeInt('padding.left', args[3]) : p.right;
};

const rotate = single('rotate', arg.int, (o, v) => {
  if (v % 90 !== 0) throw invalidOption('Rotation angle must be a multiple of 90');
  o.rotate = v;
});

const flip: Apply = (o, args) => {
  arg.maxArgs('flip', args, 2);
  if (args[0]) o.flip.horizontal = arg.bool(args[0]);
  if (args[1]) o.flip.vertical = arg.bool(args[1]);
};

const background: Apply = (o, args) => {
  if (args.length === 1) {
    o.background = args[0] ? arg.hexColor('background', args[0]) : null;
  } else if (args.length === 3) {
    o.background = {
      r: arg.channel('background.R', args[0]!),
      g: arg.channel('background.G', args[1]!),
      b: arg.channel('background.B', args[2]!),
    };
  } else {
    throw arg.invalidArgs('background', args);
  }
};

const WATERMARK_POSITIONS: readonly WatermarkPosition[] = ['re', ...arg.COMPASS];

const watermark: Apply = (o, args) => {
  // Up to 7 arguments: imgproxy Pro's watermark has two more, which the open-source one ignores.
  arg.maxArgs('watermark', args, 7);
  const w = o.watermark;
  w.opacity = arg.inRange('watermark.opacity', first(args), 0, 1, goFloat);
  if (args[1]) w.position = arg.oneOf('watermark.position', args[1], WATERMARK_POSITIONS);
  if (args[2]) w.x = arg.float('watermark.x_offset', args[2]);
  if (args[3]) w.y = arg.float('watermark.y_offset', args[3]);
  if (args[4]) w.scale = arg.positiveFloat('watermark.scale', args[4]);
};

const quality = (key: string, s: string) => arg.inRange(key, s, 0, 100, goInt);

const formatQuality: Apply = (o, args, ctx) => {
  if (args.length % 2 !== 0) throw invalidOption(`Missing format_quality for: ${args.at(-1)}`);
  for (let i = 0; i < args.length; i += 2) {
    const format = formatByName(args[i]!);
    if (format === undefined) throw invalidOption(`Invalid image format: ${args[i]}`);
    const q = quality(`format_quality.${format}`, args[i + 1]!);
    // 0 means "not set": the format falls back to its configured quality.
    const fallback = ctx.settings.optionDefaults.formatQuality[format];
    if (q > 0) o.formatQuality[format] = q;
    else if (fallback !== undefined) o.formatQuality[format] = fallback;
    else delete o.formatQuality[format];
  }
};

const format: Apply = (o, args) => {
  arg.maxArgs('format', args, 1);
  const f = formatByName(first(args));
  if (f === undefined) throw arg.invalidArgument('format', first(args), 'supported image format');
  o.format = f;
};

const skipProcessing: Apply = (o, args) => {
  for (const name of args) {
    const f = formatByName(name);
    if (f === undefined) throw invalidOption(`Invalid image format in skip_processing: ${name}`);
    o.skipProcessingFormats.push(f);
  }
};

const cacheBuster: Apply = (o, args) => {
  arg.maxArgs('cachebuster', args, 1);
  o.cacheBuster = first(args);
};

const expires: Apply = (o, args, ctx) => {
  arg.maxArgs('expires', args, 1);
  const ts = goInt(first(args));
  if (ts === undefined) throw arg.invalidArgument('expires', first(args), 'unix timestamp');
  // 0 and negative timestamps never expire, as in imgproxy.
  if (ts > 0 && ts < Math.floor(ctx.now.getTime() / 1000)) throw expiredUrl();
  o.expires = ts;
};

const filename: Apply = (o, args) => {
  arg.maxArgs('filename', args, 2);
  const name = first(args);
  if (args[1] && arg.bool(args[1])) {
    const bytes = decodeBase64Url(name);
    const text = bytes && utf8(bytes);
    if (text === undefined) throw arg.invalidArgument('filename', name, 'URL-safe base64-encoded string');
    o.filename = text;
  } else {
    o.filename = name;
  }
};

const bypassCache = flag('bypass_cache', set('bypassCache'));

const preset: Apply = (o, args, ctx) => {
  for (const name of args) {
    const calls = ctx.settings.presets.get(name);
    if (calls === undefined) throw invalidOption(`Unknown preset: ${name}`);
    // A preset that reaches itself again is expanded once; imgproxy only logs this.
    if (ctx.presetChain.includes(name)) continue;
    o.usedPresets.push(name);
    applyOptions(o, calls, { ...ctx, presetChain: [...ctx.presetChain, name] }, true);
  }
};

/**
 * Security options loosen limits that protect the server (source resolution, file size, frames),
 * so a URL may carry them only when the operator says URLs are trusted to.
 */
function security(apply: Apply): Apply {
  return (o, args, ctx, name) => {
    if (!ctx.settings.allowSecurityOptions) throw forbidden('Security processing options are not allowed');
    apply(o, args, ctx, name);
  };
}

/** The table. Order is irrelevant to parsing; it follows imgproxy's documentation. */
export const OPTION_TABLE: readonly OptionSpec[] = [
  { names: ['resize', 'rs'], apply: resize },
  { names: ['size', 's'], apply: size },
  { names: ['resizing_type', 'rt'], apply: resizingType },
  { names: ['width', 'w'], apply: width },
  { names: ['height', 'h'], apply: height },
  { names: ['min-width', 'mw'], apply: single('min-width', arg.nonNegativeInt, set('minWidth')) },
  { names: ['min-height', 'mh'], apply: single('min-height', arg.nonNegativeInt, set('minHeight')) },
  { names: ['zoom', 'z'], apply: zoom },
  { names: ['dpr'], apply: single('dpr', arg.positiveFloat, set('dpr')) },
  { names: ['enlarge', 'el'], apply: enlarge },
  { names: ['extend', 'ex'], apply: extend },
  {
    names: ['extend_aspect_ratio', 'extend_ar', 'exar'],
    apply: extendWith('extend_aspect_ratio', (o) => o.extendAspectRatio),
  },
  {
    names: ['gravity', 'g'],
    apply: (o, args) => arg.gravity('gravity', args, arg.CROP_GRAVITIES, o.gravity),
  },
  { names: ['crop', 'c'], apply: crop },
  { names: ['trim', 't'], apply: trim },
  { names: ['padding', 'pd'], apply: padding },
  { names: ['auto_rotate', 'ar'], apply: flag('auto_rotate', set('autoRotate')) },
  { names: ['rotate', 'rot'], apply: rotate },
  { names: ['flip', 'fl'], apply: flip },
  { names: ['background', 'bg'], apply: background },
  { names: ['blur', 'bl'], apply: single('blur', arg.nonNegativeFloat, set('blur')) },
  { names: ['sharpen', 'sh'], apply: single('sharpen', arg.nonNegativeFloat, set('sharpen')) },
  { names: ['pixelate', 'pix'], apply: single('pixelate', arg.nonNegativeInt, set('pixelate')) },
  { names: ['watermark', 'wm'], apply: watermark },
  { names: ['strip_metadata', 'sm'], apply: flag('strip_metadata', set('stripMetadata')) },
  { names: ['keep_copyright', 'kcr'], apply: flag('keep_copyright', set('keepCopyright')) },
  {
    names: ['strip_color_profile', 'scp'],
    apply: flag('strip_color_profile', set('stripColorProfile')),
  },
  { names: ['preserve_hdr', 'ph'], apply: flag('preserve_hdr', set('preserveHdr')) },
  { names: ['enforce_thumbnail', 'eth'], apply: flag('enforce_thumbnail', set('enforceThumbnail')) },
  { names: ['quality', 'q'], apply: single('quality', quality, set('quality')) },
  { names: ['format_quality', 'fq'], apply: formatQuality },
  { names: ['max_bytes', 'mb'], apply: single('max_bytes', arg.nonNegativeInt, set('maxBytes')) },
  { names: ['format', 'f', 'ext'], apply: format },
  { names: ['skip_processing', 'skp'], apply: skipProcessing },
  { names: ['raw'], apply: flag('raw', set('raw')) },
  { names: ['cachebuster', 'cb'], apply: cacheBuster },
  { names: ['expires', 'exp'], apply: expires },
  { names: ['filename', 'fn'], apply: filename },
  { names: ['return_attachment', 'att'], apply: flag('return_attachment', set('returnAttachment')) },
  { names: ['preset', 'pr'], apply: preset },
  // Security options.
  {
    names: ['max_src_resolution', 'msr'],
    apply: security(single('max_src_resolution', arg.resolution, setSecurity('maxSrcResolution'))),
  },
  {
    names: ['max_src_file_size', 'msfs'],
    apply: security(single('max_src_file_size', arg.int, setSecurity('maxSrcFileSize'))),
  },
  {
    names: ['max_animation_frames', 'maf'],
    apply: security(single('max_animation_frames', arg.positiveInt, setSecurity('maxAnimationFrames'))),
  },
  {
    names: ['max_animation_frame_resolution', 'mafr'],
    apply: security(
      single('max_animation_frame_resolution', arg.resolution, setSecurity('maxAnimationFrameResolution')),
    ),
  },
  {
    names: ['max_result_dimension', 'mrd'],
    apply: security(single('max_result_dimension', arg.int, setSecurity('maxResultDimension'))),
  },
  // imgproxy Pro's internal-cache options.
  {
    names: ['bypass_cache', 'bc'],
    apply: (o, args, ctx, name) => {
      // Skipping the cache makes every request cost a full fetch and process, so it is the
      // operator's call; refused like an option outside IMGPROXY_ALLOWED_PROCESSING_OPTIONS.
      if (!ctx.settings.allowBypassCache) throw invalidOption(`Forbidden processing option ${name}`);
      bypassCache(o, args, ctx, name);
    },
  },
  {
    names: ['cache_tags', 'ct'],
    apply: (o, args) => {
      o.cacheTags = args.filter((t) => t !== '');
    },
  },
];

const BY_NAME: ReadonlyMap<string, OptionSpec> = new Map(
  OPTION_TABLE.flatMap((spec) => spec.names.map((n) => [n, spec] as const)),
);

/**
 * Applies `calls` in order. `trusted` calls (from presets, which the operator wrote) skip
 * IMGPROXY_ALLOWED_PROCESSING_OPTIONS; calls from the URL do not.
 */
export function applyOptions(
  o: ProcessingOptions,
  calls: readonly OptionCall[],
  ctx: ApplyContext,
  trusted: boolean,
): void {
  const allowed = ctx.settings.allowedProcessingOptions;
  for (const { name, args } of calls) {
    if (!trusted && allowed.length > 0 && !allowed.includes(name)) {
      throw invalidOption(`Forbidden processing option ${name}`);
    }
    const spec = BY_NAME.get(name);
    if (spec === undefined) throw invalidOption(`Unknown processing option ${name}`);
    spec.apply(o, args, ctx, name);
  }
}

/**
 * Splits path segments into option calls and the segments after them: options run up to the
 * first segment without the arguments separator, which starts the source.
 */
export function splitOptions(
  segments: readonly string[],
  separator: string,
): { calls: OptionCall[]; rest: string[] } {
  const calls: OptionCall[] = [];
  for (let i = 0; i < segments.length; i++) {
    const [name, ...args] = segments[i]!.split(separator);
    if (args.length === 0) return { calls, rest: segments.slice(i) };
    calls.push({ name: name!, args });
  }
  return { calls, rest: [] };
}
