import { createHash } from 'node:crypto';
import type { Request, Response } from 'express';
import { checkSourceLimits, chooseOutputFormat, formatInfo, probeImage, processImage } from '@tintype/pipeline';
import type { ProcessedImage } from '@tintype/pipeline';
import { type ParsedUrl, parsePath } from '@tintype/url';
import type { ServerContext } from './context.js';
import { CONTENT_SECURITY_POLICY, cacheControl, contentDisposition } from './http/headers.js';
import { requestTimeout } from './limiter.js';
import { sourceForbidden } from './sources/errors.js';
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
  debug?: { originWidth: number; originHeight: number; width: number; height: number; sourceSize: number };
}

/** The path as the client sent it, without the query string (imgproxy ignores queries). */
export function rawPath(req: Request): string {
  const url = req.originalUrl;
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

export function createProcessingHandler(ctx: ServerContext) {
  const { config } = ctx;

  return async function handleProcessing(req: Request, res: Response): Promise<void> {
    const deadline = AbortSignal.timeout(config.IMGPROXY_TIMEOUT * 1000);
    const parsed = parsePath(rawPath(req), ctx.urlSettings);
    checkAllowedSource(ctx, parsed.sourceUrl);

    const release = await ctx.limiter.acquire(deadline);
    let result: ImageResult;
    try {
      result = await produce(ctx, parsed, req, deadline);
    } finally {
      release();
    }
    if (deadline.aborted) throw requestTimeout();
    writeImage(ctx, req, res, parsed, result);
  };
}

async function produce(ctx: ServerContext, parsed: ParsedUrl, req: Request, signal: AbortSignal): Promise<ImageResult> {
  const { config } = ctx;
  const o = parsed.options;
  const maxBytes = o.security.maxSrcFileSize;
  const source = await ctx.sources.fetch(parsed.sourceUrl, { maxBytes, signal });

  const info = await probeImage(source.data);
  const base = {
    lastModified: source.lastModified,
    source: { cacheControl: source.cacheControl, expires: source.expires },
  };

  // `raw` and IMGPROXY_SKIP_PROCESSING_FORMATS return the source untouched.
  const skip = o.raw || o.skipProcessingFormats.includes(info.format);
  if (skip) {
    return {
      ...base,
      data: source.data,
      contentType: formatInfo(info.format).mime,
      ext: formatInfo(info.format).ext,
      etag: etagOf(source.data, config.IMGPROXY_ETAG_BUSTER),
      varyAccept: false,
    };
  }

  checkSourceLimits(info, o.security);
  const accept = String(req.headers.accept ?? '');
  const { format, varyAccept } = chooseOutputFormat({
    requested: o.format,
    source: info,
    accept: { webp: accept.includes('image/webp'), avif: accept.includes('image/avif') },
    settings: ctx.formatSettings,
  });
  const processed: ProcessedImage = await processImage(source.data, o, ctx.pipelineSettings, format);
  return {
    ...base,
    data: processed.data,
    contentType: formatInfo(processed.format).mime,
    ext: formatInfo(processed.format).ext,
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
function etagOf(data: Buffer, buster: string): string {
  const h = createHash('sha256').update(buster).update(data).digest('base64url').slice(0, 27);
  return `"${h}"`;
}

export function writeImage(ctx: ServerContext, req: Request, res: Response, parsed: ParsedUrl, r: ImageResult): void {
  const { config } = ctx;
  const o = parsed.options;
  const vary = [...(r.varyAccept ? ['Accept'] : []), ...ctx.varyClientHints];
  if (vary.length > 0) res.setHeader('Vary', vary.join(', '));
  res.setHeader(
    'Cache-Control',
    cacheControl({
      ttl: config.IMGPROXY_TTL,
      expires: o.expires,
      passthrough: config.IMGPROXY_CACHE_CONTROL_PASSTHROUGH ? r.source : undefined,
    }),
  );
  if (config.IMGPROXY_USE_ETAG) res.setHeader('ETag', r.etag);
  const lastModified = lastModifiedOf(r.lastModified, config.IMGPROXY_LAST_MODIFIED_BUSTER);
  if (config.IMGPROXY_USE_LAST_MODIFIED && lastModified) res.setHeader('Last-Modified', lastModified);
  if (config.IMGPROXY_SET_CANONICAL_HEADER && /^https?:\/\//.test(parsed.sourceUrl)) {
    res.setHeader('Link', `<${parsed.sourceUrl}>; rel="canonical"`);
  }
  if (config.IMGPROXY_ENABLE_DEBUG_HEADERS && r.debug) {
    res.setHeader('X-Origin-Width', r.debug.originWidth);
    res.setHeader('X-Origin-Height', r.debug.originHeight);
    res.setHeader('X-Result-Width', r.debug.width);
    res.setHeader('X-Result-Height', r.debug.height);
    res.setHeader('X-Origin-Content-Length', r.debug.sourceSize);
  }

  if (isNotModified(req, config.IMGPROXY_USE_ETAG ? r.etag : undefined, config.IMGPROXY_USE_LAST_MODIFIED ? lastModified : undefined)) {
    res.status(304).end();
    return;
  }
  res.setHeader('Content-Type', r.contentType);
  res.setHeader('Content-Length', r.data.length);
  res.setHeader('Content-Disposition', contentDisposition(parsed.sourceUrl, o.filename, r.ext, o.returnAttachment));
  res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  res.status(200).end(req.method === 'HEAD' ? undefined : r.data);
}

function lastModifiedOf(source: string | undefined, buster: number): string | undefined {
  const t = source ? Date.parse(source) : Number.NaN;
  if (Number.isNaN(t)) return buster > 0 ? new Date(buster).toUTCString() : undefined;
  return new Date(Math.max(t, buster)).toUTCString();
}

function isNotModified(req: Request, etag: string | undefined, lastModified: string | undefined): boolean {
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

/**
 * IMGPROXY_ALLOWED_SOURCES: prefixes with `*` wildcards, checked on the final source URL (after
 * IMGPROXY_BASE_URL and replacements). Why: the final URL is what gets fetched.
 */
function checkAllowedSource(ctx: ServerContext, url: string): void {
  if (ctx.allowedSources.length === 0) return;
  if (!ctx.allowedSources.some((re) => re.test(url))) throw sourceForbidden('Source URL is not allowed');
}
