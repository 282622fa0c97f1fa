import { checkSourceLimits, decodeBytes, readHeader } from '@tintype/pipeline';
import {
  decodeSource,
  defaultOptions,
  expiredUrl,
  invalidOption,
  invalidUrl,
  type SecurityOptions,
  splitOptions,
  splitSignature,
  stripPathPrefix,
  type UrlSettings,
  verifySignature,
} from '@tintype/url';
import { encode as blurhash } from 'blurhash';
import exifReader from 'exif-reader';
import type { Request, Response } from 'express';
import sharp from 'sharp';
import type { ServerContext } from './context.js';
import { rawPath } from './http/exchange.js';
import { cacheControl } from './http/headers.js';
import { holding } from './limiter.js';
import {
  createCachedRunner,
  etagOf,
  type ImageResult,
  isNotModified,
  keyOf,
  limitedJob,
  type RequestView,
  requestView,
} from './processing.js';
import { checkAllowedSource, checkSvgSize } from './security/index.js';
import { sourceCookies } from './sources/cookies.js';

/**
 * imgproxy Pro's `/info/%signature/%info_options/%source`: what a source is, as JSON, answered
 * from the internal cache on repeat (under its own `info` format, so it never meets a variant).
 * Info options are not processing options (`s` is `size` here), so the path is read with the
 * pieces parseSignedRoute is made of (signature split and check, option split, source decoding)
 * and this route's own option table.
 */
export interface InfoOptions {
  size: boolean;
  format: boolean;
  dimensions: boolean;
  exif: boolean;
  page: number;
  average: { on: boolean; ignoreTransparent: boolean };
  blurhash: { x: number; y: number };
  /** Tintype's own: the most frequent colour. */
  dominantColor: boolean;
  cachebuster: string;
  expires?: number;
  security: SecurityOptions;
}

export interface ParsedInfoUrl {
  options: InfoOptions;
  sourceUrl: string;
  /** The options that change the answer, in a fixed order: part of the cache key. */
  canonical: string;
}

const bool = (name: string, v: string | undefined): boolean => {
  if (v === '1' || v === 't' || v === 'true') return true;
  if (v === '0' || v === 'f' || v === 'false' || v === '') return false;
  throw invalidOption(`Invalid ${name} argument: ${v}`);
};

const int = (name: string, v: string | undefined, min: number, max: number): number => {
  const n = Number(v);
  if (v === undefined || !/^\d+$/.test(v) || n < min || n > max)
    throw invalidOption(`Invalid ${name} argument: ${v}`);
  return n;
};

type Apply = (o: InfoOptions, args: string[], settings: UrlSettings) => void;

const flag =
  (field: 'size' | 'format' | 'dimensions' | 'exif' | 'dominantColor', name: string): Apply =>
  (o, [v]) => {
    o[field] = bool(name, v);
  };

/** Accepted for compatibility, with nothing to add to the answer (no IPTC, XMP or video reader). */
const ignored: Apply = () => {};

const securityOption =
  (field: 'maxSrcResolution' | 'maxSrcFileSize', name: string): Apply =>
  (o, [v], settings) => {
    // Why: these lift limits set by the operator; only IMGPROXY_ALLOW_SECURITY_OPTIONS lets a URL do it.
    if (!settings.allowSecurityOptions) throw invalidOption('Security processing options are not allowed');
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw invalidOption(`Invalid ${name} argument: ${v}`);
    o.security[field] = field === 'maxSrcResolution' ? Math.round(n * 1_000_000) : Math.round(n);
  };

const INFO_OPTIONS: Record<string, Apply> = {};
const define = (names: string[], apply: Apply) => {
  for (const n of names) INFO_OPTIONS[n] = apply;
};
define(['size', 's'], flag('size', 'size'));
define(['format', 'f'], flag('format', 'format'));
define(['dimensions', 'd'], flag('dimensions', 'dimensions'));
define(['exif'], flag('exif', 'exif'));
define([
  'iptc',
  'xmp',
  'video_meta',
  'vm',
  'video_thumbnail_second',
  'vts',
  'video_thumbnail_keyframes',
], ignored);
define(['page', 'pg'], (o, [v]) => {
  o.page = int('page', v, 0, 100_000);
});
define(['average', 'avg'], (o, [on, ignoreTransparent]) => {
  o.average = {
    on: bool('average', on),
    ignoreTransparent: ignoreTransparent === undefined || bool('average', ignoreTransparent),
  };
});
define(['blurhash', 'bh'], (o, [x, y]) => {
  o.blurhash = { x: int('blurhash', x, 0, 9), y: int('blurhash', y ?? x, 0, 9) };
});
define(['dominant_color', 'dco'], flag('dominantColor', 'dominant_color'));
define(['cachebuster', 'cb'], (o, args) => {
  o.cachebuster = args.join(':');
});
define(['expires', 'exp'], (o, [v]) => {
  o.expires = int('expires', v, 0, Number.MAX_SAFE_INTEGER);
});
define(['max_src_resolution', 'msr'], securityOption('maxSrcResolution', 'max_src_resolution'));
define(['max_src_file_size', 'msfs'], securityOption('maxSrcFileSize', 'max_src_file_size'));

/** Reads `/%signature/%info_options/%source` (the part after `/info`). */
export function parseInfoRoute(
  rest: string,
  settings: UrlSettings,
  opts: { verify: boolean; now?: Date } = { verify: true },
): ParsedInfoUrl {
  const { signature, signedPath } = splitSignature(rest);
  if (opts.verify) verifySignature(signature, signedPath, settings);
  const { calls, rest: sourceSegments } = splitOptions(
    signedPath.replace(/^\//, '').split('/'),
    settings.argumentsSeparator,
  );
  const defaults = defaultOptions(settings.optionDefaults);
  const o: InfoOptions = {
    size: true,
    format: true,
    dimensions: true,
    exif: true,
    page: 0,
    average: { on: false, ignoreTransparent: true },
    blurhash: { x: 0, y: 0 },
    dominantColor: false,
    cachebuster: '',
    security: { ...defaults.security },
  };
  for (const { name, args } of calls) {
    const apply = INFO_OPTIONS[name];
    if (!apply) throw invalidUrl(`Unknown info option: ${name}`);
    apply(o, args, settings);
  }
  if (o.expires !== undefined && o.expires * 1000 < (opts.now ?? new Date()).getTime()) throw expiredUrl();
  const source = decodeSource(sourceSegments, settings);
  const { expires: _, ...keyed } = o;
  return { options: o, sourceUrl: source.url, canonical: JSON.stringify(keyed) };
}

/** The cache key of an /info answer: its own `info` format keeps it apart from every variant. */
export function infoKey(ctx: ServerContext, parsed: ParsedInfoUrl, req: RequestView): string {
  return keyOf(ctx, parsed.sourceUrl, parsed.canonical, 'info', req);
}

/** Everything after IMGPROXY_PATH_PREFIX and `/info`, or undefined when `path` is not an info path. */
export function infoRest(path: string, prefix: string): string | undefined {
  const rest = stripPathPrefix(path, prefix);
  return rest.startsWith('/info/') ? rest.slice('/info'.length) : undefined;
}

export function createInfoHandler(ctx: ServerContext) {
  const cached = createCachedRunner(ctx);
  return async function handleInfo(req: Request, res: Response): Promise<void> {
    const rest = infoRest(rawPath(req), ctx.config.IMGPROXY_PATH_PREFIX);
    if (rest === undefined) throw invalidUrl('Not an info path');
    const parsed = parseInfoRoute(rest, ctx.urlSettings);
    checkAllowedSource(ctx.allowedSources, parsed.sourceUrl);
    const cookie = sourceCookies(ctx.cookieSettings, { header: (name) => req.get(name) }, parsed.sourceUrl);
    const key = ctx.cache ? infoKey(ctx, parsed, requestView(req)) : undefined;
    const result = await cached(res, key, false, () =>
      limitedJob(ctx, (deadline) => describe(ctx, parsed, deadline, cookie)),
    );
    writeInfo(ctx, req, res, result, parsed.options.expires ?? null);
  };
}

async function describe(
  ctx: ServerContext,
  parsed: ParsedInfoUrl,
  signal: AbortSignal,
  cookie: string | undefined,
): Promise<ImageResult> {
  const o = parsed.options;
  const started = performance.now();
  const source = await ctx.sources.fetch(parsed.sourceUrl, {
    maxBytes: o.security.maxSrcFileSize,
    signal,
    cookie,
  });
  ctx.metrics.span('download', (performance.now() - started) / 1000);
  checkSvgSize(source.data, ctx.config.IMGPROXY_SVG_UNLIMITED);
  const sourceHeader = await readHeader(source.data);
  const { info, meta } = sourceHeader;

  const out: Record<string, unknown> = {};
  if (o.size) out.size = source.data.length;
  if (o.format) out.format = info.format;
  if (o.dimensions) {
    out.width = info.width;
    out.height = info.height;
  }
  // Tintype's additions, read from the header like the above: no pixel is decoded for them.
  out.orientation = info.orientation;
  out.has_alpha = info.hasAlpha;
  out.pages = info.pages;
  out.color_space = meta.space;
  if (o.exif && meta.exif) {
    const exif = readExif(meta.exif);
    if (exif) out.exif = exif;
  }

  const needsPixels = o.average.on || o.blurhash.x > 0 || o.dominantColor;
  if (needsPixels) {
    // Limits that guard decoding hold here as for processing: checked on the header first.
    checkSourceLimits(info, o.security, 1);
    const page = Math.min(o.page, info.pages - 1);
    const { data, info: raw } = await holding(
      ctx.pixels,
      signal,
      () =>
        sharp(source.data, { page, limitInputPixels: false })
          .resize(64, 64, { fit: 'inside' })
          .ensureAlpha()
          .raw()
          .toBuffer({ resolveWithObject: true }),
      decodeBytes(sourceHeader),
    );
    if (o.average.on) out.average = averageOf(data, o.average.ignoreTransparent);
    if (o.blurhash.x > 0 && o.blurhash.y > 0)
      out.blurhash = blurhash(new Uint8ClampedArray(data), raw.width, raw.height, o.blurhash.x, o.blurhash.y);
    if (o.dominantColor) {
      const { dominant } = await sharp(data, {
        raw: { width: raw.width, height: raw.height, channels: 4 },
      }).stats();
      out.dominant_color = { R: dominant.r, G: dominant.g, B: dominant.b };
    }
  }

  const data = Buffer.from(JSON.stringify(out));
  return {
    data,
    contentType: 'application/json',
    ext: '.json',
    etag: etagOf(data, ctx.config.IMGPROXY_ETAG_BUSTER),
    source: {},
    varyAccept: false,
  };
}

/** imgproxy's `average`: mean R, G, B, A, optionally over the pixels that are not fully transparent. */
function averageOf(rgba: Buffer, ignoreTransparent: boolean) {
  const sum = [0, 0, 0, 0];
  let count = 0;
  for (let i = 0; i < rgba.length; i += 4) {
    if (ignoreTransparent && rgba[i + 3] === 0) continue;
    for (let c = 0; c < 4; c++) sum[c]! += rgba[i + c]!;
    count++;
  }
  const mean = (c: number) => (count === 0 ? 0 : Math.round(sum[c]! / count));
  return { R: mean(0), G: mean(1), B: mean(2), A: mean(3) };
}

/** EXIF as flat `tag: text`, the shape imgproxy answers; binary tags (maker notes, thumbnails) are left out. */
function readExif(block: Buffer): Record<string, string> | undefined {
  let parsed: ReturnType<typeof exifReader>;
  try {
    parsed = exifReader(block);
  } catch {
    return undefined;
  }
  const out: Record<string, string> = {};
  for (const group of [parsed.Image, parsed.Photo, parsed.GPSInfo]) {
    for (const [tag, value] of Object.entries(group ?? {})) {
      const text =
        value instanceof Date
          ? value.toISOString()
          : Buffer.isBuffer(value)
            ? undefined
            : Array.isArray(value)
              ? value.join(' ')
              : String(value);
      if (text !== undefined) out[tag] = text;
    }
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function writeInfo(
  ctx: ServerContext,
  req: Request,
  res: Response,
  r: ImageResult,
  expires: number | null,
): void {
  const { config } = ctx;
  res.setHeader('Cache-Control', cacheControl({ ttl: config.IMGPROXY_TTL, expires }));
  if (config.IMGPROXY_USE_ETAG) res.setHeader('ETag', r.etag);
  if (config.IMGPROXY_ENABLE_DEBUG_HEADERS && res.locals.cache) res.setHeader('X-Cache', res.locals.cache);
  if (isNotModified(req, config.IMGPROXY_USE_ETAG ? r.etag : undefined, undefined)) {
    res.status(304).end();
    return;
  }
  res.setHeader('Content-Type', r.contentType);
  res.setHeader('Content-Length', r.data.length);
  res.status(200).end(req.method === 'HEAD' ? undefined : r.data);
}
