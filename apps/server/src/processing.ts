import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { cacheKey, createCoalescer } from '@tintype/cache';
import type { ProcessedImage } from '@tintype/pipeline';
import {
  chooseOutputFormat,
  decodeBytes,
  formatInfo,
  processImage,
  readHeader,
  sanitizeSvg,
} from '@tintype/pipeline';
import { canonicalOptions, type ImageFormat, isTintypeError, type ParsedUrl, parsePath } from '@tintype/url';
import type { ServerContext } from './context.js';
import { header, type Reply, rawPath } from './http/exchange.js';
import { CONTENT_SECURITY_POLICY, cacheControl, contentDisposition } from './http/headers.js';
import { holding } from './limiter.js';
import { checkAllowedSource, checkSvgSize, untilDeadline } from './security/index.js';
import { sourceCookies } from './sources/cookies.js';
import type { SourceImage } from './sources/types.js';

/** The result of one processing request, before it is written: what a cache entry also holds. */
export interface ImageResult {
  data: Buffer;
  contentType: string;
  /** Extension of the result format, with the dot, for Content-Disposition. */
  ext: string;
  etag: string;
  lastModified?: string;
  source: Pick<SourceImage, 'cacheControl' | 'expires'>;
  varyAccept: boolean;
  /** Set when the fallback image stood in for a source that could not be fetched. */
  fallback?: { status: number };
  debug?: { originWidth: number; originHeight: number; width: number; height: number; sourceSize: number };
  /** Gives `data` back to the pool it was lent from (fs cache hits): writeImage calls it once the
   * response is sent. Nothing else may read `data` after that. */
  release?: () => void;
}

/**
 * Runs one job under the request limits: a worker slot (IMGPROXY_WORKERS) and the job's own
 * deadline (IMGPROXY_TIMEOUT), which starts before the queue, since waiting for a worker counts.
 * The deadline is the job's, not a requester's, so a waiter that disconnects cancels nothing.
 */
export async function limitedJob<T>(
  ctx: ServerContext,
  work: (deadline: AbortSignal) => Promise<T>,
): Promise<T> {
  const deadline = AbortSignal.timeout(ctx.config.IMGPROXY_TIMEOUT * 1000);
  const queued = performance.now();
  const release = await ctx.limiter.acquire(deadline);
  ctx.metrics.span('queue', (performance.now() - queued) / 1000);
  ctx.metrics.imagesInProgress(1);
  const running = work(deadline).finally(() => {
    ctx.metrics.imagesInProgress(-1);
    release();
  });
  return untilDeadline(running, deadline);
}

/**
 * The cache in front of a job, shared by the processing and /info routes: a hit answers from the
 * cache; identical misses in flight join one job (STYLE #9), every waiter gets its result, and the
 * entry is written after the answer. A failed job is forgotten at once, so the next request retries.
 * `res.locals.cache` records HIT, MISS or BYPASS for X-Cache and the log line.
 */
export function createCachedRunner(ctx: ServerContext) {
  const inflight = createCoalescer<ImageResult>();
  return async function cached(
    res: Reply,
    key: string | undefined,
    bypass: boolean,
    make: () => Promise<ImageResult>,
  ): Promise<ImageResult> {
    const cache = ctx.cache;
    if (cache && key && !bypass) {
      const started = performance.now();
      const hit = await cache.get(key);
      ctx.metrics.span('cache', (performance.now() - started) / 1000);
      if (hit) {
        res.locals.cache = 'HIT';
        return hit;
      }
    }
    if (!cache || !key) return make();
    res.locals.cache = bypass ? 'BYPASS' : 'MISS';
    if (bypass) {
      ctx.metrics.cache('bypass', cache.kind);
      return make();
    }
    if (inflight.has(key)) ctx.metrics.cache('coalesced', cache.kind);
    const result = await inflight.run(key, make);
    // A fallback stands in for a source that failed this time: keeping it would pin the failure.
    if (result.fallback) return result;
    const stored = cache.put(key, result);
    if (ctx.config.IMGPROXY_CACHE_REPORT_ERRORS) await stored;
    else stored.catch(() => {});
    return result;
  };
}

export function createProcessingHandler(ctx: ServerContext) {
  const cached = createCachedRunner(ctx);
  const { config } = ctx;
  const negotiates = negotiatesFormat(ctx);
  // Why: a repeated URL parses, verifies and hashes to the same thing every time, and on a cache
  // hit that is most of the work left. Only where nothing but the path (and Accept's two flags)
  // decides the result; never a URL with `expires`, whose time check must run on every request.
  const memo =
    config.IMGPROXY_CACHE_KEY_HEADERS.length === 0 &&
    config.IMGPROXY_CACHE_KEY_COOKIES.length === 0 &&
    !config.IMGPROXY_ENABLE_CLIENT_HINTS
      ? new Map<string, { parsed: ParsedUrl; key: string | undefined }>()
      : undefined;

  const resolve = (req: IncomingMessage, path: string) => {
    const parsed = parsePath(path, ctx.urlSettings);
    applyClientHints(ctx, parsed.options, req);
    checkAllowedSource(ctx.allowedSources, parsed.sourceUrl);
    // `raw` streams the source untouched; caching a copy of the source would only cost space.
    const key = ctx.cache && !parsed.options.raw ? variantKey(ctx, parsed, requestView(req)) : undefined;
    return { parsed, key };
  };

  return async function handleProcessing(req: IncomingMessage, res: Reply): Promise<void> {
    const path = rawPath(req);
    const accept = String(req.headers.accept ?? '');
    const memoKey = negotiates
      ? `${path}\n${accept.includes('image/webp')}${accept.includes('image/avif')}`
      : path;
    const remembered = memo?.get(memoKey);
    const known = remembered ?? resolve(req, path);
    const { parsed, key } = known;
    const result = await cached(res, key, parsed.options.bypassCache, () => {
      const cookie = sourceCookies(
        ctx.cookieSettings,
        { header: (name) => header(req, name) },
        parsed.sourceUrl,
      );
      return limitedJob(ctx, (deadline) => produce(ctx, parsed, accept, deadline, cookie));
    });
    // Only URLs answered from the cache are remembered: they are the ones that repeat. Unique
    // misses (cachebusters, one-off sizes) would only push the hot ones out and keep garbage alive.
    if (memo && !remembered && res.locals.cache === 'HIT' && !(parsed.options.expires! > 0)) {
      if (memo.size >= MEMO_ENTRIES) memo.delete(memo.keys().next().value!);
      memo.set(memoKey, known);
    }
    writeImage(ctx, req, res, parsed, result);
  };
}

/** How many URLs the processing handler remembers parsed (oldest forgotten first). */
const MEMO_ENTRIES = 10_000;

/** Whether the output format can depend on Accept (so the cache key and the URL memo read it). */
function negotiatesFormat({ formatSettings: f }: ServerContext): boolean {
  return f.autoWebp || f.enforceWebp || f.autoAvif || f.enforceAvif;
}

/** What of a request the cache key reads: Accept, and the headers and cookies named for the key. */
export interface RequestView {
  accept: string;
  header(name: string): string | undefined;
}

export const requestView = (req: IncomingMessage): RequestView => ({
  accept: String(req.headers.accept ?? ''),
  header: (name) => header(req, name),
});

/**
 * The cache key of the result a request asks for. The output format is not known before the
 * source is, so the key holds what decides it: the explicit format, and the Accept flags when
 * negotiation is on.
 */
export function variantKey(ctx: ServerContext, parsed: ParsedUrl, req: RequestView): string {
  const negotiates = negotiatesFormat(ctx);
  const format = `${parsed.options.format ?? 'auto'}${negotiates ? `;webp=${req.accept.includes('image/webp')};avif=${req.accept.includes('image/avif')}` : ''}`;
  return keyOf(ctx, parsed.sourceUrl, canonicalOptions(parsed.options), format, req);
}

/**
 * The object key of one cached answer: the source, its canonical options and format (`info` for
 * /info answers, so they have their own key space), and the headers and cookies named by
 * IMGPROXY_CACHE_KEY_HEADERS and IMGPROXY_CACHE_KEY_COOKIES.
 */
export function keyOf(
  ctx: ServerContext,
  sourceUrl: string,
  options: string,
  format: string,
  req: RequestView,
): string {
  const { config } = ctx;
  const headers: Record<string, string> = {};
  for (const name of config.IMGPROXY_CACHE_KEY_HEADERS) headers[name.toLowerCase()] = req.header(name) ?? '';
  const cookies: Record<string, string> = {};
  if (config.IMGPROXY_CACHE_KEY_COOKIES.length > 0) {
    const jar = parseCookies(req.header('cookie') ?? '');
    for (const name of config.IMGPROXY_CACHE_KEY_COOKIES) cookies[name] = jar.get(name) ?? '';
  }
  return cacheKey(
    { sourceUrl, options, format, headers, cookies, settingsFingerprint: ctx.settingsFingerprint },
    config.IMGPROXY_CACHE_PATH_PREFIX,
  ).objectKey;
}

function parseCookies(header: string): Map<string, string> {
  const jar = new Map<string, string>();
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) jar.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  return jar;
}

/**
 * IMGPROXY_ENABLE_CLIENT_HINTS: `Sec-CH-DPR`/`DPR` set dpr and `Sec-CH-Width`/`Width` set width
 * when the URL does not; applied before the cache key, since they change the result.
 */
function applyClientHints(ctx: ServerContext, o: ParsedUrl['options'], req: IncomingMessage): void {
  if (!ctx.config.IMGPROXY_ENABLE_CLIENT_HINTS) return;
  const dpr = Number(header(req, 'sec-ch-dpr') ?? header(req, 'dpr'));
  if (Number.isFinite(dpr) && dpr > 0 && o.dpr === 1) o.dpr = Math.min(dpr, 8);
  const width = Number.parseInt(header(req, 'sec-ch-width') ?? header(req, 'width') ?? '', 10);
  if (Number.isFinite(width) && width > 0 && o.width === 0) o.width = width;
}

async function produce(
  ctx: ServerContext,
  parsed: ParsedUrl,
  acceptHeader: string,
  signal: AbortSignal,
  cookie: string | undefined,
): Promise<ImageResult> {
  const { config } = ctx;
  const o = parsed.options;
  const maxBytes = o.security.maxSrcFileSize;
  const downloadStarted = performance.now();
  let source: SourceImage;
  let fallback: ImageResult['fallback'];
  try {
    source = await ctx.sources.fetch(parsed.sourceUrl, { maxBytes, signal, cookie, reuse: !o.bypassCache });
  } catch (e) {
    if (!ctx.fallbackImage || !isTintypeError(e)) throw e;
    // imgproxy's fallback image: processed with the request's own options, answered with
    // IMGPROXY_FALLBACK_IMAGE_HTTP_CODE (0 keeps the error's status).
    ctx.log.warn({ err: e, code: e.code }, 'Could not load image. Using fallback image');
    source = { data: ctx.fallbackImage };
    fallback = { status: config.IMGPROXY_FALLBACK_IMAGE_HTTP_CODE || e.status };
  }
  ctx.metrics.span('download', (performance.now() - downloadStarted) / 1000);

  const base = {
    lastModified: source.lastModified,
    source: { cacheControl: source.cacheControl, expires: source.expires },
    fallback,
  };
  const untouched = (data: Buffer, format: ImageFormat | undefined): ImageResult => ({
    ...base,
    data,
    contentType: format ? formatInfo(format).mime : (source.contentType ?? 'application/octet-stream'),
    ext: format ? `.${formatInfo(format).extension}` : '',
    etag: etagOf(data, config.IMGPROXY_ETAG_BUSTER),
    varyAccept: false,
  });
  // `raw` streams the source untouched, whatever it is.
  if (o.raw) return untouched(source.data, undefined);

  checkSvgSize(source.data, config.IMGPROXY_SVG_UNLIMITED);
  // Read once, for the format choice and for processImage (a WebP header took 2.6-7 ms to read here, a JPEG's 0.3).
  const header = await readHeader(source.data);
  const { info } = header;
  const accept = {
    webp: acceptHeader.includes('image/webp'),
    avif: acceptHeader.includes('image/avif'),
  };
  const choice = chooseOutputFormat({
    requested: o.format,
    source: info,
    accept,
    settings: ctx.formatSettings,
    options: o,
  });
  // IMGPROXY_SKIP_PROCESSING_FORMATS and SVG kept as SVG: the source goes out as it is, an SVG
  // sanitized first (IMGPROXY_SANITIZE_SVG) because it can carry scripts.
  if (choice.skipProcessing) {
    const data =
      info.format === 'svg' && config.IMGPROXY_SANITIZE_SVG ? sanitizeSvg(source.data) : source.data;
    return { ...untouched(data, info.format), varyAccept: choice.varyAccept };
  }

  // The source limits are checked by processImage, from the header, before any pixel is decoded,
  // with the frame count the output format will really decode (a still result decodes one).
  const format = choice.format;
  const varyAccept = choice.varyAccept;
  const processingStarted = performance.now();
  const processed: ProcessedImage = await holding(
    ctx.pixels,
    signal,
    () => processImage(source.data, o, ctx.pipelineSettings, format, { header }),
    decodeBytes(header),
  );
  ctx.metrics.span('processing', (performance.now() - processingStarted) / 1000);
  return {
    ...base,
    data: processed.data,
    contentType: formatInfo(processed.format).mime,
    ext: `.${formatInfo(processed.format).extension}`,
    etag: etagOf(processed.data, config.IMGPROXY_ETAG_BUSTER),
    varyAccept,
    debug: {
      originWidth: processed.originWidth,
      originHeight: processed.originHeight,
      width: processed.width,
      height: processed.height,
      sourceSize: source.data.length,
    },
  };
}

/** A strong ETag of the result bytes, changed by IMGPROXY_ETAG_BUSTER. */
export function etagOf(data: Buffer, buster: string): string {
  const h = createHash('sha256').update(buster).update(data).digest('base64url').slice(0, 27);
  return `"${h}"`;
}

export function writeImage(
  ctx: ServerContext,
  req: IncomingMessage,
  res: Reply,
  parsed: ParsedUrl,
  r: ImageResult,
): void {
  const { config } = ctx;
  // 'finish': every byte was handed to the kernel. A response cut short never finishes, and its
  // buffer is left to the collector.
  if (r.release) res.on('finish', r.release);
  const o = parsed.options;
  const vary = [...(r.varyAccept ? ['Accept'] : []), ...ctx.varyClientHints];
  if (vary.length > 0) res.setHeader('Vary', vary.join(', '));
  res.setHeader(
    'Cache-Control',
    cacheControl({
      ttl: config.IMGPROXY_TTL,
      expires: o.expires,
      fallbackTtl: r.fallback ? config.IMGPROXY_FALLBACK_IMAGE_TTL : undefined,
      passthrough: config.IMGPROXY_CACHE_CONTROL_PASSTHROUGH ? r.source : undefined,
    }),
  );
  if (config.IMGPROXY_USE_ETAG) res.setHeader('ETag', r.etag);
  const lastModified = lastModifiedOf(r.lastModified, config.IMGPROXY_LAST_MODIFIED_BUSTER);
  if (config.IMGPROXY_USE_LAST_MODIFIED && lastModified) res.setHeader('Last-Modified', lastModified);
  if (config.IMGPROXY_SET_CANONICAL_HEADER && /^https?:\/\//.test(parsed.sourceUrl)) {
    res.setHeader('Link', `<${parsed.sourceUrl}>; rel="canonical"`);
  }
  if (config.IMGPROXY_ENABLE_DEBUG_HEADERS && res.locals.cache) res.setHeader('X-Cache', res.locals.cache);
  if (config.IMGPROXY_ENABLE_DEBUG_HEADERS && r.debug) {
    res.setHeader('X-Origin-Width', r.debug.originWidth);
    res.setHeader('X-Origin-Height', r.debug.originHeight);
    res.setHeader('X-Result-Width', r.debug.width);
    res.setHeader('X-Result-Height', r.debug.height);
    res.setHeader('X-Origin-Content-Length', r.debug.sourceSize);
  }

  if (
    isNotModified(
      req,
      config.IMGPROXY_USE_ETAG ? r.etag : undefined,
      config.IMGPROXY_USE_LAST_MODIFIED ? lastModified : undefined,
    )
  ) {
    res.statusCode = 304;
    res.end();
    return;
  }
  res.setHeader('Content-Type', r.contentType);
  res.setHeader('Content-Length', r.data.length);
  res.setHeader(
    'Content-Disposition',
    contentDisposition(parsed.sourceUrl, o.filename, r.ext, o.returnAttachment),
  );
  res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  res.statusCode = r.fallback?.status ?? 200;
  res.end(req.method === 'HEAD' ? undefined : r.data);
}

/** An HTTP date as toUTCString() writes it (IMF-fixdate), which is how origins send it. */
const IMF_FIXDATE =
  /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d GMT$/;

function lastModifiedOf(source: string | undefined, buster: number): string | undefined {
  // The usual case needs no parsing: it is already what the code below would write.
  if (buster <= 0 && source && IMF_FIXDATE.test(source)) return source;
  const t = source ? Date.parse(source) : Number.NaN;
  if (Number.isNaN(t)) return buster > 0 ? new Date(buster).toUTCString() : undefined;
  return new Date(Math.max(t, buster)).toUTCString();
}

export function isNotModified(
  req: IncomingMessage,
  etag: string | undefined,
  lastModified: string | undefined,
): boolean {
  const inm = req.headers['if-none-match'];
  if (inm !== undefined && etag !== undefined) {
    return inm === '*' || inm.split(',').some((t) => t.trim().replace(/^W\//, '') === etag);
  }
  const ims = req.headers['if-modified-since'];
  if (ims !== undefined && lastModified !== undefined) {
    const since = Date.parse(ims);
    return !Number.isNaN(since) && Date.parse(lastModified) <= since;
  }
  return false;
}
