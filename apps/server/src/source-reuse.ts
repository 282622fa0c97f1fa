import { createHash } from 'node:crypto';
import { createCoalescer, createMemoryTier, hashSource } from '@tintype/cache';
import { sourceTooBig } from './sources/errors.js';
import type { SourceFetcher, SourceImage, SourceRequest } from './sources/index.js';

export interface SourceReuseOptions {
  /** IMGPROXY_CACHE_SOURCE_SIZE in bytes; 0 turns reuse (and download coalescing) off. */
  maxBytes: number;
  /** IMGPROXY_CACHE_SOURCE_TTL in milliseconds. */
  ttlMs: number;
  now?: () => number;
}

/** A source request that may opt out of reuse (`bypass_cache` asks for a fresh download). */
export interface ReusableSourceRequest extends SourceRequest {
  reuse?: boolean;
}

export interface ReusingSources extends SourceFetcher {
  fetch(url: string, req: ReusableSourceRequest): Promise<SourceImage>;
  /** Drops every kept download of this source URL (whatever cookie it was fetched with): for purges. */
  forget(sourceUrl: string): void;
}

/** The origin headers a kept download carries, under metadata keys a MemoryEntry allows. */
const HEADERS = {
  cacheControl: 'cachecontrol',
  expires: 'expires',
  etag: 'etag',
  lastModified: 'lastmodified',
} as const;

/**
 * Source reuse: different variants of one source asked for together, or within a few seconds of
 * each other, download it once (imgproxy#1163 downloads it once per size). Concurrent downloads of
 * one source join one request, and finished downloads stay in a small byte-bounded LRU for a short
 * TTL. Reuse never crosses contexts that can change what the origin answers: the key is the final
 * source URL and the cookie forwarded to it (the only client-controlled input of a source request).
 */
export function withSourceReuse(inner: SourceFetcher, opts: SourceReuseOptions): ReusingSources {
  if (opts.maxBytes <= 0) return { ...inner, fetch: inner.fetch.bind(inner), forget() {} };
  const now = opts.now ?? Date.now;
  const kept = createMemoryTier({ maxBytes: opts.maxBytes });
  const downloads = createCoalescer<SourceImage>();
  // The source hash first, as in the result cache: every kept download of one URL under one prefix.
  const keyOf = (url: string, cookie: string | undefined) =>
    `${hashSource(url)}/${createHash('sha256')
      .update(cookie ?? '\0none')
      .digest('hex')}`;

  const recall = (key: string): SourceImage | undefined => {
    const hit = kept.get(key);
    if (!hit) return undefined;
    if (Number(hit.info.metadata.until) <= now()) {
      kept.delete(key);
      return undefined;
    }
    const m = hit.info.metadata;
    return {
      data: hit.bytes,
      contentType: hit.info.contentType || undefined,
      cacheControl: m[HEADERS.cacheControl],
      expires: m[HEADERS.expires],
      etag: m[HEADERS.etag],
      lastModified: m[HEADERS.lastModified],
    };
  };

  const keep = (key: string, s: SourceImage) => {
    const metadata: Record<string, string> = { until: String(now() + opts.ttlMs) };
    for (const [field, name] of Object.entries(HEADERS)) {
      const value = s[field as keyof typeof HEADERS];
      if (value !== undefined) metadata[name] = value;
    }
    kept.set(key, {
      info: { size: s.data.length, contentType: s.contentType ?? '', metadata },
      bytes: s.data,
    });
  };

  return {
    async fetch(url, req) {
      const key = keyOf(url, req.cookie);
      if (req.reuse === false) {
        // A fresh download still refreshes the kept copy: it is the newest the origin gave.
        const image = await inner.fetch(url, req);
        keep(key, image);
        return image;
      }
      const reused = recall(key);
      // Why check the limit again: a download kept under a larger `max_src_file_size` must not
      // reach a request whose limit would have refused those bytes.
      if (reused && req.maxBytes > 0 && reused.data.length > req.maxBytes) throw sourceTooBig();
      if (reused) return reused;
      // The shared download runs under its own IMGPROXY_DOWNLOAD_TIMEOUT, not under one requester's
      // deadline, so one request giving up does not fail the others; each request still stops
      // waiting at its own deadline (processing wraps it in untilDeadline).
      return downloads.run(`${key}/${req.maxBytes}`, async () => {
        const image = await inner.fetch(url, { cookie: req.cookie, maxBytes: req.maxBytes });
        keep(key, image);
        return image;
      });
    },
    forget(sourceUrl) {
      kept.deletePrefix(hashSource(sourceUrl));
    },
    close: () => inner.close?.() ?? Promise.resolve(),
  };
}
