import type { PutInfo } from '../storage.js';

/** Object stores cap names at 1024 bytes (S3, GCS, Azure, Swift); fs gets the same bound. */
const MAX_KEY_BYTES = 1024;

/**
 * Names the fs adapter uses for its own temp and trash files. Keys may not use them, so that a key
 * can never collide with (or address) a half-written temp file.
 */
export const RESERVED_SEGMENT_PREFIX = '.tintype-';

/**
 * Rejects keys that are not plain relative paths. This is a security decision for fs (a `..`
 * segment or an absolute path would escape the root) and keeps every backend addressing the same
 * names, so an entry written by one process is found by another on any backend.
 */
export function checkKey(key: string): string {
  if (key === '' || Buffer.byteLength(key) > MAX_KEY_BYTES) throw new TypeError(`invalid storage key length`);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we reject
  if (/[\u0000-\u001f\u007f\\]/.test(key)) throw new TypeError(`invalid character in storage key: ${key}`);
  for (const segment of key.split('/')) {
    if (
      segment === '' ||
      segment === '.' ||
      segment === '..' ||
      segment.startsWith(RESERVED_SEGMENT_PREFIX)
    ) {
      throw new TypeError(`invalid storage key: ${JSON.stringify(key)}`);
    }
  }
  return key;
}

/**
 * A deletePrefix prefix as the directory it names, with a trailing slash (`a/b` -> `a/b/`). The
 * empty prefix is refused: wiping a whole bucket is never what a purge means.
 */
export function checkPrefix(prefix: string): string {
  const trimmed = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  return `${checkKey(trimmed)}/`;
}

/** A bucket or container name: one non-empty path segment. */
export function checkBucket(bucket: string): string {
  if (bucket === '' || bucket.includes('/'))
    throw new TypeError(`invalid bucket name: ${JSON.stringify(bucket)}`);
  return checkKey(bucket);
}

const META_KEY = /^[a-z0-9]+$/;
const META_VALUE = /^[\x20-\x7e]*$/;

/** Enforces the metadata subset every backend round-trips unchanged (see EntryInfo). */
export function checkPutInfo(info: PutInfo): PutInfo {
  if (!META_VALUE.test(info.contentType) || info.contentType === '') {
    throw new TypeError(`invalid content type: ${JSON.stringify(info.contentType)}`);
  }
  for (const [k, v] of Object.entries(info.metadata)) {
    if (!META_KEY.test(k)) throw new TypeError(`metadata key must be [a-z0-9]+: ${JSON.stringify(k)}`);
    if (!META_VALUE.test(v)) throw new TypeError(`metadata value must be printable ASCII: ${k}`);
  }
  return info;
}

/** Runs `fn` over `items` with at most `limit` in flight; used for per-object deletes. */
export async function forEachLimited<T>(
  items: T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
