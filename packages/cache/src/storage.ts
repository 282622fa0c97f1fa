import type { Readable } from 'node:stream';

/**
 * What an entry carries besides its bytes. `metadata` keys are lowercase ASCII letters and digits
 * only (no dashes or dots): that is the common subset of S3 user metadata, Azure metadata (C#
 * identifiers) and GCS/Swift custom metadata, so every backend round-trips them unchanged.
 */
export interface EntryInfo {
  size: number;
  contentType: string;
  metadata: Record<string, string>;
}

export interface StoredEntry {
  info: EntryInfo;
  body: Readable;
}

/**
 * The one small, streaming contract every backend implements (fs, s3, gcs, abs, swift). Keys are
 * `/`-separated relative paths without a leading slash. A reader never sees a torn entry: `put` is
 * atomic (temp file + rename on fs, a single PUT on object stores).
 */
export interface Storage {
  /** Backend name, used in metrics and logs: "fs", "s3", "gcs", "abs", "swift". */
  readonly kind: string;
  /** The entry, or null when there is none. Errors other than "not found" reject. */
  get(key: string): Promise<StoredEntry | null>;
  /** Metadata only, or null when there is none. */
  stat(key: string): Promise<EntryInfo | null>;
  put(key: string, body: Buffer, info: Omit<EntryInfo, 'size'>): Promise<void>;
  /** Deleting a missing key is not an error. */
  delete(key: string): Promise<void>;
  /** Deletes every key that starts with `prefix`; resolves to how many were deleted. */
  deletePrefix(prefix: string): Promise<number>;
  close?(): Promise<void>;
}
