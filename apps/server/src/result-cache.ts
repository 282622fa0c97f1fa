import { buffer } from 'node:stream/consumers';
import type { Storage } from '@tintype/cache';
import { TintypeError } from '@tintype/url';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics/types.js';
import type { ImageResult } from './processing.js';

/**
 * The server's view of the internal cache: whole results in, whole results out, with everything
 * needed to answer a hit exactly as the miss was answered. Backend failures never fail a request
 * unless IMGPROXY_CACHE_REPORT_ERRORS asks for it; pending writes are tracked so a graceful stop can
 * flush them.
 */
export interface ResultCache {
  readonly kind: string;
  get(key: string): Promise<ImageResult | null>;
  /** Stores the result; rejects only when IMGPROXY_CACHE_REPORT_ERRORS is on. */
  put(key: string, result: ImageResult): Promise<void>;
  deletePrefix(prefix: string): Promise<number>;
  /** Waits for every pending write. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

export const cacheFailed = (cause: unknown) =>
  new TintypeError({
    code: 'CACHE_ERROR',
    status: 500,
    publicMessage: 'Cache error',
    message: `Cache backend failed: ${(cause as Error)?.message ?? cause}`,
    report: true,
    cause,
  });

// Storage metadata keys are lowercase alphanumerics (see @tintype/cache's Storage contract).
const META = {
  etag: 'etag',
  ext: 'ext',
  lastModified: 'lastmodified',
  vary: 'varyaccept',
  created: 'created',
} as const;

export function encodeEntry(r: ImageResult): Record<string, string> {
  const m: Record<string, string> = {
    [META.etag]: r.etag,
    [META.ext]: r.ext,
    [META.vary]: r.varyAccept ? '1' : '0',
    [META.created]: String(Date.now()),
  };
  if (r.lastModified) m[META.lastModified] = r.lastModified;
  return m;
}

export function decodeEntry(
  data: Buffer,
  contentType: string,
  m: Record<string, string>,
): ImageResult | null {
  const etag = m[META.etag];
  const ext = m[META.ext];
  // An entry without its metadata is not ours (or not whole): treat it as a miss.
  if (!etag || ext === undefined) return null;
  return {
    data,
    contentType,
    ext,
    etag,
    lastModified: m[META.lastModified],
    source: {},
    varyAccept: m[META.vary] === '1',
  };
}

export function createResultCache(
  storage: Storage,
  opts: { reportErrors: boolean; log: Logger; metrics: Metrics },
): ResultCache {
  const pending = new Set<Promise<void>>();
  const { log, metrics } = opts;
  const kind = storage.kind;

  const failed = (op: string, e: unknown) => {
    metrics.cache('error', kind);
    log.warn({ err: e, backend: kind, op }, `cache ${op} failed`);
    if (opts.reportErrors) throw cacheFailed(e);
  };

  return {
    kind,
    async get(key) {
      const started = performance.now();
      try {
        const entry = await storage.get(key);
        if (!entry) {
          metrics.cache('miss', kind, (performance.now() - started) / 1000);
          return null;
        }
        const data = await buffer(entry.body);
        // A short read means a broken entry: never serve it.
        if (data.length !== entry.info.size) return null;
        const result = decodeEntry(data, entry.info.contentType, entry.info.metadata);
        metrics.cache(result ? 'hit' : 'miss', kind, (performance.now() - started) / 1000);
        return result;
      } catch (e) {
        failed('get', e);
        return null;
      }
    },
    put(key, result) {
      const p = storage
        .put(key, result.data, { contentType: result.contentType, metadata: encodeEntry(result) })
        .catch((e) => failed('put', e))
        .finally(() => pending.delete(tracked));
      // The tracked copy never rejects: flush() waits for writes, it does not report them.
      const tracked = p.catch(() => {});
      pending.add(tracked);
      return p;
    },
    deletePrefix: (prefix) => storage.deletePrefix(prefix),
    async flush() {
      while (pending.size > 0) await Promise.all([...pending]);
    },
    async close() {
      await this.flush();
      await storage.close?.();
    },
  };
}
