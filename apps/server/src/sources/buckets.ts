import type { BucketStorage } from '@tintype/cache';
import { sourceForbidden, sourceNotFound, sourceUnreachable } from './errors.js';
import { readLimited } from './read.js';
import type { SourceFetcher, SourceImage, SourceRequest } from './types.js';

export interface BucketSourceOptions {
  /** Creates the backend on first use, so an unused scheme never loads its SDK. */
  open: () => Promise<BucketStorage>;
  /** IMGPROXY_<BACKEND>_ALLOWED_BUCKETS; empty allows every bucket. */
  allowed: string[];
  /** IMGPROXY_<BACKEND>_DENIED_BUCKETS */
  denied: string[];
}

/**
 * `s3://bucket/key`, `gs://bucket/key`, `abs://container/blob`, `swift://container/object`: read
 * through the same adapters the cache uses. The bucket allow/deny lists are checked before any
 * request leaves, so a denied bucket is never contacted.
 */
export function createBucketSource(options: BucketSourceOptions): SourceFetcher {
  let storage: Promise<BucketStorage> | undefined;

  async function fetch(url: string, req: SourceRequest): Promise<SourceImage> {
    let bucket: string;
    let key: string;
    try {
      const u = new URL(url);
      bucket = decodeURIComponent(u.hostname);
      key = decodeURIComponent(u.pathname.replace(/^\/+/, ''));
    } catch {
      throw sourceNotFound('Invalid source URL');
    }
    if (bucket === '' || key === '') throw sourceNotFound('Invalid source URL');
    if (
      (options.allowed.length > 0 && !options.allowed.includes(bucket)) ||
      options.denied.includes(bucket)
    ) {
      throw sourceForbidden(`Source bucket is not allowed: ${bucket}`);
    }
    storage ??= options.open();
    let entry: Awaited<ReturnType<BucketStorage['get']>>;
    try {
      entry = await (await storage).withBucket(bucket).get(key);
    } catch (e) {
      throw sourceUnreachable(e);
    }
    if (!entry) throw sourceNotFound();
    let data: Buffer;
    try {
      data = await readLimited(entry.body, req.maxBytes, entry.info.size);
    } catch (e) {
      if (e instanceof Error && 'status' in e) throw e;
      throw sourceUnreachable(e);
    }
    return {
      data,
      contentType: entry.info.contentType || undefined,
      lastModified: entry.info.lastModified?.toUTCString(),
    };
  }

  return {
    fetch,
    async close() {
      if (storage) await (await storage).close?.();
    },
  };
}
