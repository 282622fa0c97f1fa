import type { EntryInfo, PutInfo } from './storage.js';

/** What a hit needs, besides the bytes, to answer exactly as the miss that stored it did. */
export interface EntryMeta {
  contentType: string;
  /** The response's ETag, as sent (quotes included). */
  etag: string;
  createdAt: Date;
}

/**
 * The version of this encoding. An entry written under another one is read as a miss (and then
 * overwritten), never misread.
 */
const ENCODING = '1';

/** EntryMeta as Storage metadata: lowercase alphanumeric keys, ASCII values (see EntryInfo). */
export function encodeEntryMeta(meta: EntryMeta): PutInfo {
  return {
    contentType: meta.contentType,
    metadata: { tintype: ENCODING, etag: meta.etag, created: String(meta.createdAt.getTime()) },
  };
}

/** The EntryMeta stored with an entry, or null if it is not one of ours (treat as a miss). */
export function decodeEntryMeta(info: EntryInfo): EntryMeta | null {
  const { tintype, etag, created } = info.metadata;
  const ms = Number(created);
  if (tintype !== ENCODING || !etag || !created || !Number.isSafeInteger(ms)) return null;
  return { contentType: info.contentType, etag, createdAt: new Date(ms) };
}
