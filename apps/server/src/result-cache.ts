import { buffer } from 'node:stream/consumers';
import type { EntryInfo, PutInfo, Storage } from '@tintype/cache';
import { createMemoryTier, decodeEntryMeta, encodeEntryMeta } from '@tintype/cache';
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
  /** Removes every entry below a path prefix, in memory and in the backend; resolves to how many
   * the backend held. */
  deletePrefix(prefix: string): Promise<number>;
  /** Removes one entry, in memory and in the backend; resolves to whether the backend held it. */
  delete(key: string): Promise<boolean>;
  /** Drops entries from the memory tier only: another process of this server purged them. */
  forgetLocal(prefixes: string[], keys: string[]): void;
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

// Beyond what @tintype/cache's entry encoding holds (content type, ETag, creation time), a hit
// needs these to answer exactly as the miss did. Keys are lowercase alphanumerics, as Storage wants.
const EXTRA = { ext: 'ext', lastModified: 'lastmodified', vary: 'varyaccept' } as const;

export function encodeEntry(r: ImageResult): PutInfo {
  const base = encodeEntryMeta({ contentType: r.contentType, etag: r.etag, createdAt: new Date() });
  const metadata: Record<string, string> = {
    ...base.metadata,
    [EXTRA.ext]: r.ext,
    [EXTRA.vary]: r.varyAccept ? '1' : '0',
  };
  if (r.lastModified) metadata[EXTRA.lastModified] = r.lastModified;
  return { contentType: base.contentType, metadata };
}

export function decodeEntry(data: Buffer, info: EntryInfo): ImageResult | null {
  const meta = decodeEntryMeta(info);
  const ext = info.metadata[EXTRA.ext];
  // An entry without its metadata is not ours (or from another encoding): treat it as a miss.
  if (!meta || ext === undefined) return null;
  return {
    data,
    contentType: meta.contentType,
    ext,
    etag: meta.etag,
    lastModified: info.metadata[EXTRA.lastModified],
    source: {},
    varyAccept: info.metadata[EXTRA.vary] === '1',
  };
}

export interface ResultCacheOptions {
  reportErrors: boolean;
  /** Bytes of the in-memory LRU in front of the backend; 0 turns it off. */
  memoryBytes: number;
  log: Logger;
  metrics: Metrics;
}

export function createResultCache(storage: Storage, opts: ResultCacheOptions): ResultCache {
  const pending = new Set<Promise<void>>();
  const { log, metrics } = opts;
  const kind = storage.kind;
  const memory = opts.memoryBytes > 0 ? createMemoryTier({ maxBytes: opts.memoryBytes }) : undefined;

  const failed = (op: string, e: unknown) => {
    metrics.cache('error', kind);
    log.warn({ err: e, backend: kind, op }, `cache ${op} failed`);
    if (opts.reportErrors) throw cacheFailed(e);
  };

  return {
    kind,
    async get(key) {
      const started = performance.now();
      const hot = memory?.get(key);
      const fromMemory = hot && decodeEntry(hot.bytes, hot.info);
      if (fromMemory) {
        metrics.cache('hit', 'memory', (performance.now() - started) / 1000);
        return fromMemory;
      }
      try {
        const entry = await storage.get(key);
        if (!entry) {
          metrics.cache('miss', kind, (performance.now() - started) / 1000);
          return null;
        }
        let data = entry.bytes ?? (await buffer(entry.body));
        let release = entry.release;
        // The memory tier keeps what it is given: lent bytes are copied for it and given back now.
        if (memory && release) {
          data = Buffer.from(data);
          release();
          release = undefined;
        }
        // A short read means a broken entry: never serve it.
        if (data.length !== entry.info.size) return null;
        const result = decodeEntry(data, entry.info);
        metrics.cache(result ? 'hit' : 'miss', kind, (performance.now() - started) / 1000);
        if (result) {
          result.release = release;
          memory?.set(key, { info: entry.info, bytes: data });
        }
        return result;
      } catch (e) {
        failed('get', e);
        return null;
      }
    },
    put(key, result) {
      const info = encodeEntry(result);
      memory?.set(key, { info: { ...info, size: result.data.length }, bytes: result.data });
      const p = storage
        .put(key, result.data, info)
        .catch((e) => failed('put', e))
        .finally(() => pending.delete(tracked));
      // The tracked copy never rejects: flush() waits for writes, it does not report them.
      const tracked = p.catch(() => {});
      pending.add(tracked);
      return p;
    },
    async deletePrefix(prefix) {
      memory?.deletePrefix(prefix);
      return storage.deletePrefix(prefix);
    },
    async delete(key) {
      memory?.delete(key);
      const held = (await storage.stat(key)) !== null;
      if (held) await storage.delete(key);
      return held;
    },
    forgetLocal(prefixes, keys) {
      for (const prefix of prefixes) memory?.deletePrefix(prefix);
      for (const key of keys) memory?.delete(key);
    },
    async flush() {
      while (pending.size > 0) await Promise.all([...pending]);
    },
    async close() {
      await this.flush();
      await storage.close?.();
    },
  };
}
