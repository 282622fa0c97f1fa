import { type AbsStorageOptions, createAbsStorage } from './adapters/abs.js';
import { createFsStorage, type FsStorageOptions } from './adapters/fs.js';
import { createGcsStorage, type GcsStorageOptions } from './adapters/gcs.js';
import { createS3Storage, type S3StorageOptions } from './adapters/s3.js';
import { createSwiftStorage, type SwiftStorageOptions } from './adapters/swift.js';
import type { BucketStorage } from './storage.js';

/** IMGPROXY_CACHE_USE's values, each with its backend's options. */
export type StorageConfig =
  | ({ kind: 'fs' } & FsStorageOptions)
  | ({ kind: 's3' } & S3StorageOptions)
  | ({ kind: 'gcs' } & GcsStorageOptions)
  | ({ kind: 'abs' } & AbsStorageOptions)
  | ({ kind: 'swift' } & SwiftStorageOptions);

export type StorageKind = StorageConfig['kind'];

/**
 * The adapter for `config.kind`. Each factory imports its SDK itself, when called: a server caching
 * on fs never loads the AWS, Google or Azure SDKs.
 */
export async function createStorage(config: StorageConfig): Promise<BucketStorage> {
  switch (config.kind) {
    case 'fs':
      return createFsStorage(config);
    case 's3':
      return createS3Storage(config);
    case 'gcs':
      return createGcsStorage(config);
    case 'abs':
      return createAbsStorage(config);
    case 'swift':
      return createSwiftStorage(config);
    default: {
      const unknown: never = config;
      throw new TypeError(`unknown storage kind: ${(unknown as { kind: string }).kind}`);
    }
  }
}
