import type { Storage } from '@tintype/cache';
import { createFsStorage } from '@tintype/cache';
import type { Config } from './config/index.js';

/** The storage behind the internal cache, as IMGPROXY_CACHE_USE and its backend's variables say. */
export async function createCacheStorage(config: Config): Promise<Storage | undefined> {
  switch (config.IMGPROXY_CACHE_USE) {
    case '':
      return undefined;
    case 'fs':
      return createFsStorage({
        root: config.IMGPROXY_CACHE_FS_ROOT,
        bucket: config.IMGPROXY_CACHE_BUCKET || undefined,
      });
    default:
      throw new Error(`IMGPROXY_CACHE_USE=${config.IMGPROXY_CACHE_USE}: backend not wired yet`);
  }
}
