import { type BucketStorage, createStorage, type StorageConfig, type StorageKind } from '@tintype/cache';
import type { Config } from './config/index.js';

/**
 * One adapter configuration per backend, read from either the cache's variables
 * (IMGPROXY_CACHE_S3_REGION, ...) or the source's (IMGPROXY_S3_REGION, ...): imgproxy names both
 * families the same way but for the `CACHE_` infix, so one reader serves both.
 */
export function storageConfig(
  config: Config,
  kind: StorageKind,
  family: 'CACHE_' | '',
  bucket: string,
): StorageConfig {
  const v = (name: string) => (config as unknown as Record<string, unknown>)[`IMGPROXY_${family}${name}`];
  const str = (name: string) => String(v(name) ?? '');
  switch (kind) {
    case 'fs':
      return family === 'CACHE_'
        ? { kind, root: str('FS_ROOT'), bucket: bucket || undefined }
        : { kind, root: config.IMGPROXY_LOCAL_FILESYSTEM_ROOT, plainFiles: true };
    case 's3':
      return {
        kind,
        bucket,
        region: str('S3_REGION') || undefined,
        endpoint: str('S3_ENDPOINT') || undefined,
        forcePathStyle: v('S3_ENDPOINT_USE_PATH_STYLE') as boolean,
        assumeRoleArn: str('S3_ASSUME_ROLE_ARN') || undefined,
        assumeRoleExternalId: str('S3_ASSUME_ROLE_EXTERNAL_ID') || undefined,
      };
    case 'gcs':
      return { kind, bucket, key: str('GCS_KEY') || undefined, endpoint: str('GCS_ENDPOINT') || undefined };
    case 'abs':
      return {
        kind,
        container: bucket,
        accountName: str('ABS_NAME') || undefined,
        accountKey: str('ABS_KEY') || undefined,
        endpoint: str('ABS_ENDPOINT') || undefined,
      };
    case 'swift':
      return {
        kind,
        container: bucket,
        username: str('SWIFT_USERNAME'),
        apiKey: str('SWIFT_API_KEY'),
        authUrl: str('SWIFT_AUTH_URL'),
        authVersion: v('SWIFT_AUTH_VERSION') as number,
        tenant: str('SWIFT_TENANT') || undefined,
        domain: str('SWIFT_DOMAIN') || undefined,
        timeoutSeconds: v('SWIFT_TIMEOUT_SECONDS') as number,
        connectTimeoutSeconds: v('SWIFT_CONNECT_TIMEOUT_SECONDS') as number,
      };
  }
}

/** What the cache reports from inside its backend: fs evictions (IMGPROXY_CACHE_FS_MAX_SIZE). */
export interface CacheStorageHooks {
  onEvict?: (entries: number, bytes: number) => void;
  onEvictionError?: (e: unknown) => void;
}

/** The storage behind the internal cache, as IMGPROXY_CACHE_USE and its backend's variables say. */
export async function createCacheStorage(
  config: Config,
  hooks: CacheStorageHooks = {},
): Promise<BucketStorage | undefined> {
  const kind = config.IMGPROXY_CACHE_USE;
  if (kind === '') return undefined;
  const base = storageConfig(config, kind, 'CACHE_', config.IMGPROXY_CACHE_BUCKET);
  return createStorage(
    base.kind === 'fs'
      ? { ...base, maxBytes: config.IMGPROXY_CACHE_FS_MAX_SIZE * 1024 * 1024, ...hooks }
      : base,
  );
}
