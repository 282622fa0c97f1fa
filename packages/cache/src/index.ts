export { type AbsStorageOptions, createAbsStorage } from './adapters/abs.js';
export { createFsStorage, type FsStorageOptions } from './adapters/fs.js';
export { createGcsStorage, type GcsStorageOptions } from './adapters/gcs.js';
export { createS3Storage, type S3StorageOptions } from './adapters/s3.js';
export { createSwiftStorage, type SwiftStorageOptions, swiftAuthVersion } from './adapters/swift.js';
export {
  type CacheKey,
  type CacheKeyInput,
  cacheKey,
  hashSource,
  normalizePrefix,
  SCHEMA_VERSION,
  sourcePrefix,
} from './cache-key.js';
export { type Coalescer, createCoalescer } from './coalescer.js';
export { createStorage, type StorageConfig, type StorageKind } from './create-storage.js';
export { decodeEntryMeta, type EntryMeta, encodeEntryMeta } from './entry.js';
export { createMemoryTier, type MemoryEntry, type MemoryTier } from './memory-tier.js';
export type { BucketStorage, EntryInfo, PutInfo, Storage, StoredEntry } from './storage.js';
