export { createFsStorage, type FsStorageOptions } from './adapters/fs.js';
export { type Coalescer, createCoalescer } from './coalesce.js';
export { type CacheKey, type CacheKeyInput, cacheKey, SCHEMA_VERSION, sourcePrefix } from './key.js';
export { createMemoryTier, type MemoryEntry, type MemoryTier } from './memory.js';
export type { BucketStorage, EntryInfo, PutInfo, Storage, StoredEntry } from './storage.js';
