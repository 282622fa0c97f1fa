import type { Config } from '../config/index.js';
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

  return {
    fetch(url, req) {
      const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
      if (scheme === 'http' || scheme === 'https') return http.fetch(url, req);
      if (scheme === 'local' && local) return local.fetch(url, req);
      return Promise.reject(sourceForbidden(`Unknown scheme: ${scheme ?? '(none)'}`));
    },
    close: () => http.close(),
  };
}
