import { createStorage } from '@tintype/cache';
import type { Config } from '../config/index.js';
import { storageConfig } from '../storage.js';
import { createBucketSource } from './buckets.js';
import { sourceForbidden } from './errors.js';
import { createHttpSource } from './http.js';
import { createLocalSource } from './local.js';
import type { SourceFetcher } from './types.js';

export type { SourceFetcher, SourceImage, SourceRequest } from './types.js';

/** One fetcher that routes each source URL to the backend its scheme names. */
export function createSources(config: Config): SourceFetcher {
  const http = createHttpSource({
    userAgent: config.IMGPROXY_USER_AGENT,
    timeoutMs: config.IMGPROXY_DOWNLOAD_TIMEOUT * 1000,
    maxRedirects: config.IMGPROXY_MAX_REDIRECTS,
    ignoreSslVerification: config.IMGPROXY_IGNORE_SSL_VERIFICATION,
    keepAliveTimeoutMs: config.IMGPROXY_CLIENT_KEEP_ALIVE_TIMEOUT * 1000,
    allowLoopback: config.IMGPROXY_ALLOW_LOOPBACK_SOURCE_ADDRESSES,
    allowLinkLocal: config.IMGPROXY_ALLOW_LINK_LOCAL_SOURCE_ADDRESSES,
    allowPrivate: config.IMGPROXY_ALLOW_PRIVATE_SOURCE_ADDRESSES,
  });
  const local = config.IMGPROXY_LOCAL_FILESYSTEM_ROOT
    ? createLocalSource(config.IMGPROXY_LOCAL_FILESYSTEM_ROOT)
    : undefined;

  // Storage schemes, each enabled by IMGPROXY_USE_<BACKEND> as in imgproxy.
  const buckets = new Map<string, SourceFetcher>();
  const schemes = [
    [
      's3',
      's3',
      config.IMGPROXY_USE_S3,
      config.IMGPROXY_S3_ALLOWED_BUCKETS,
      config.IMGPROXY_S3_DENIED_BUCKETS,
    ],
    [
      'gs',
      'gcs',
      config.IMGPROXY_USE_GCS,
      config.IMGPROXY_GCS_ALLOWED_BUCKETS,
      config.IMGPROXY_GCS_DENIED_BUCKETS,
    ],
    [
      'abs',
      'abs',
      config.IMGPROXY_USE_ABS,
      config.IMGPROXY_ABS_ALLOWED_BUCKETS,
      config.IMGPROXY_ABS_DENIED_BUCKETS,
    ],
    [
      'swift',
      'swift',
      config.IMGPROXY_USE_SWIFT,
      config.IMGPROXY_SWIFT_ALLOWED_BUCKETS,
      config.IMGPROXY_SWIFT_DENIED_BUCKETS,
    ],
  ] as const;
  for (const [scheme, kind, enabled, allowed, denied] of schemes) {
    if (!enabled) continue;
    buckets.set(
      scheme,
      createBucketSource({
        // The adapter is made for a placeholder bucket; each source names its own via withBucket.
        open: () => createStorage(storageConfig(config, kind, '', 'tintype-sources')),
        allowed,
        denied,
      }),
    );
  }

  return {
    fetch(url, req) {
      const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
      if (scheme === 'http' || scheme === 'https') return http.fetch(url, req);
      if (scheme === 'local' && local) return local.fetch(url, req);
      const bucket = scheme ? buckets.get(scheme) : undefined;
      if (bucket) return bucket.fetch(withoutQuery(url, config.IMGPROXY_SOURCE_URL_QUERY_SEPARATOR), req);
      return Promise.reject(sourceForbidden(`Unknown scheme: ${scheme ?? '(none)'}`));
    },
    async close() {
      await Promise.all([http.close(), ...[...buckets.values()].map((b) => b.close?.())]);
    },
  };
}

/**
 * Storage sources may carry a query after IMGPROXY_SOURCE_URL_QUERY_SEPARATOR (imgproxy uses it
 * for object versions); Tintype reads the current version, so the query is dropped.
 */
function withoutQuery(url: string, separator: string): string {
  if (separator === '') return url;
  const i = url.indexOf(separator, url.indexOf('://') + 3);
  return i < 0 ? url : url.slice(0, i);
}
