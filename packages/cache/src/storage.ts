import type { Readable } from 'node:stream';

/**
 * What an entry carries besides its bytes. `metadata` keys are lowercase ASCII letters and digits
 * only (no dashes or dots): that is the common subset of S3 user metadata, Azure metadata (C#
 * identifiers) and GCS/Swift custom metadata, so every backend round-trips them unchanged. Values
 * are printable ASCII, because S3, Azure and Swift carry them in HTTP headers.
 */
export interface EntryInfo {
  size: number;
  contentType: string;
  metadata: Record<string, string>;
  /** When the backend last wrote the object, as it reports it (read-only; for sources' Last-Modified). */
  lastModified?: Date;
}

export interface StoredEntry {
  info: EntryInfo;
  body: Readable;
  /** The same bytes as `body`, when the backend read them whole anyway (fs cache entries): a
   * reader that wants a Buffer takes them without draining a stream. */
  bytes?: Buffer;
  /**
   * Present when `bytes` are lent from a pool (fs cache entries): call it once nothing reads them
   * any more, and the buffer serves a later read. Never calling it is safe.
   */
  release?: () => void;
}

/** What `put` takes: what an entry carries, minus what the backend derives. */
export type PutInfo = Pick<EntryInfo, 'contentType' | 'metadata'>;

/**
 * The one small, streaming contract every backend implements (fs, s3, gcs, abs, swift). Keys are
 * `/`-separated relative paths without a leading slash, empty, `.` or `..` segments. A reader never
 * sees a torn entry: `put` is atomic (temp file + rename on fs, a single PUT on object stores).
 */
export interface Storage {
  /** Backend name, used in metrics and logs: "fs", "s3", "gcs", "abs", "swift". */
  readonly kind: string;
  /** The entry, or null when there is none. Errors other than "not found" reject. */
  get(key: string): Promise<StoredEntry | null>;
  /** Metadata only, or null when there is none. */
  stat(key: string): Promise<EntryInfo | null>;
  put(key: string, body: Buffer, info: PutInfo): Promise<void>;
  /** Deleting a missing key is not an error. */
  delete(key: string): Promise<void>;
  /**
   * Deletes every key below the path `prefix` and resolves to how many were deleted. The prefix is a
   * path, not a string: `a/b` (or `a/b/`) removes `a/b/x` and `a/b/c/d`, never `a/bc/x`, so that
   * purging one source hash can never touch another.
   */
  deletePrefix(prefix: string): Promise<number>;
  close?(): Promise<void>;
}

/**
 * Every adapter can address another bucket (container) through the same client: sources name
 * their own bucket (`s3://bucket/key`), and one client per bucket would waste connections.
 */
export interface BucketStorage extends Storage {
  withBucket(bucket: string): Storage;
}
