import { createHash, timingSafeEqual } from 'node:crypto';
import { sourcePrefix } from '@tintype/cache';
import {
  finalSourceUrl,
  type ParsedUrl,
  parseProcessingPath,
  splitSignature,
  stripPathPrefix,
  TintypeError,
} from '@tintype/url';
import type { NextFunction, Request, Response } from 'express';
import express from 'express';
import { tellPeers } from './cluster.js';
import type { ServerContext } from './context.js';
import { infoKey, infoRest, parseInfoRoute } from './info.js';
import { type RequestView, requestView, variantKey } from './processing.js';

/** Where the purge endpoint lives, below IMGPROXY_PATH_PREFIX. */
export const PURGE_PATH = '/_tintype/purge';

const badPurge = (detail: string, cause?: unknown) =>
  new TintypeError({ code: 'INVALID_PURGE', status: 400, publicMessage: detail, report: false, cause });
const purgeForbidden = () =>
  new TintypeError({ code: 'INVALID_SECRET', status: 403, publicMessage: 'Invalid secret', report: false });

// Why `now` is the epoch when reading URLs to purge: an expired URL still names cached entries.
const NEVER_EXPIRED = new Date(0);

export interface Purger {
  /** Every cached variant and /info answer of one source URL: one prefix delete. */
  source(sourceUrl: string): Promise<number>;
  /** The entries one processing or /info URL (or path) names: each negotiated format of it. The key
   * headers and cookies (IMGPROXY_CACHE_KEY_*) are read from `req`. */
  url(url: string, req: RequestView): Promise<number>;
}

/**
 * Manual invalidation, which imgproxy Pro's cache lacks. Pending writes are flushed first, so an
 * entry being written as the purge starts cannot come back after it. Kept downloads of the
 * source are dropped too, so the next request downloads it afresh.
 */
export function createPurger(ctx: ServerContext): Purger {
  const { config } = ctx;
  const cache = () => {
    if (!ctx.cache) throw badPurge('The internal cache is off (IMGPROXY_CACHE_USE is empty)');
    return ctx.cache;
  };

  return {
    async source(url) {
      const c = cache();
      const sourceUrl = finalSourceUrl(url, ctx.urlSettings);
      await c.flush();
      ctx.sources.forget(sourceUrl);
      const prefix = sourcePrefix(config.IMGPROXY_CACHE_PATH_PREFIX, sourceUrl);
      const deleted = await c.deletePrefix(prefix);
      tellPeers({ type: 'tintype:forget', sourceUrl, prefixes: [prefix], keys: [] });
      ctx.metrics.cache('purge', c.kind);
      return deleted;
    },

    async url(url, req) {
      const c = cache();
      const { sourceUrl, keys } = keysOf(ctx, url, req);
      await c.flush();
      ctx.sources.forget(sourceUrl);
      let deleted = 0;
      for (const key of keys) if (await c.delete(key)) deleted++;
      tellPeers({ type: 'tintype:forget', sourceUrl, prefixes: [], keys: [...keys] });
      ctx.metrics.cache('purge', c.kind);
      return deleted;
    },
  };
}

/** The cache keys a URL can have been stored under: one per Accept the format negotiation tells apart. */
function keysOf(ctx: ServerContext, url: string, req: RequestView): { sourceUrl: string; keys: Set<string> } {
  const path = /^https?:\/\//i.test(url) ? new URL(url).pathname : url;
  const prefix = ctx.config.IMGPROXY_PATH_PREFIX;
  try {
    const info = infoRest(path, prefix);
    if (info !== undefined) {
      const parsed = parseInfoRoute(info, ctx.urlSettings, { verify: false, now: NEVER_EXPIRED });
      return { sourceUrl: parsed.sourceUrl, keys: new Set([infoKey(ctx, parsed, req)]) };
    }
    // The purge secret already authorized the caller; the URL's signature is not asked for, so that
    // an operator can purge by the path alone.
    const { signature, signedPath } = splitSignature(stripPathPrefix(path, prefix));
    const parsed: ParsedUrl = {
      signature,
      signedPath,
      ...parseProcessingPath(signedPath, ctx.urlSettings, NEVER_EXPIRED),
    };
    if (parsed.options.raw) return { sourceUrl: parsed.sourceUrl, keys: new Set() };
    const accepts = ['', 'image/webp', 'image/avif', 'image/avif,image/webp'];
    const keys = new Set(accepts.map((accept) => variantKey(ctx, parsed, { ...req, accept })));
    return { sourceUrl: parsed.sourceUrl, keys };
  } catch (e) {
    if (e instanceof TintypeError) throw badPurge(`Cannot read the URL to purge: ${e.publicMessage}`, e);
    throw e;
  }
}

/**
 * `POST` or `DELETE {IMGPROXY_PATH_PREFIX}/_tintype/purge` with `source=` and/or `url=` (query or
 * JSON body; each may repeat), authorized by `Authorization: Bearer <IMGPROXY_PURGE_SECRET>`.
 * Answers `{"deleted": n}`.
 */
export function purgeRoutes(ctx: ServerContext): express.Router {
  const router = express.Router();
  const secret = ctx.config.IMGPROXY_PURGE_SECRET;
  // Why its own secret: purging is an admin action; the URL signing key is held by every app that
  // builds URLs and must not grant it. Disabled (404, as any unknown path) when unset.
  if (!secret) return router;
  const expected = digest(`Bearer ${secret}`);
  const purger = createPurger(ctx);

  const authorize = (req: Request, _res: Response, next: NextFunction) => {
    // Why digests: timingSafeEqual needs equal lengths, and comparing digests leaks neither the
    // secret's bytes nor its length through timing.
    if (timingSafeEqual(digest(req.get('authorization') ?? ''), expected)) return next();
    next(purgeForbidden());
  };
  const handle = async (req: Request, res: Response) => {
    const query = new URLSearchParams(req.originalUrl.split('?')[1] ?? '');
    const body = (req.body ?? {}) as Record<string, unknown>;
    const sources = [...query.getAll('source'), ...strings(body.source)];
    const urls = [...query.getAll('url'), ...strings(body.url)];
    if (sources.length === 0 && urls.length === 0) throw badPurge('Give `source` or `url` to purge');
    let deleted = 0;
    for (const s of sources) deleted += await purger.source(s);
    for (const u of urls) deleted += await purger.url(u, requestView(req));
    ctx.log.info({ sources, urls, deleted }, 'Cache purged');
    res.status(200).json({ deleted });
  };
  const json = express.json({ limit: '64kb' });
  for (const method of ['post', 'delete'] as const) {
    router[method](PURGE_PATH, authorize, json, (req, res, next) => {
      handle(req, res).catch(next);
    });
  }
  return router;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

function strings(v: unknown): string[] {
  if (v === undefined) return [];
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v;
  throw badPurge('`source` and `url` must be strings or lists of strings');
}
