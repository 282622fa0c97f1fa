import { randomUUID } from 'node:crypto';
import {
  type BigIntStats,
  closeSync,
  fstatSync,
  futimesSync,
  openSync,
  readFile,
  readSync,
  statSync,
} from 'node:fs';
import { type FileHandle, lstat, mkdir, open, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { type BufferPool, createBufferPool } from '../buffer-pool.js';
import { createFsEviction } from '../fs-eviction.js';
import type { BucketStorage, EntryInfo, PutInfo, StoredEntry } from '../storage.js';
import { checkBucket, checkKey, checkPrefix, checkPutInfo, RESERVED_SEGMENT_PREFIX } from './validate.js';

export interface FsStorageOptions {
  /** IMGPROXY_CACHE_FS_ROOT (or IMGPROXY_LOCAL_FILESYSTEM_ROOT for sources). */
  root: string;
  /** IMGPROXY_CACHE_BUCKET: for fs, one more path component below the root. */
  bucket?: string;
  /**
   * Files are plain bytes without Tintype's header: how `local://` sources are read. Such files
   * carry no content type or metadata of their own.
   */
  plainFiles?: boolean;
  /**
   * IMGPROXY_CACHE_FS_MAX_SIZE in bytes: least recently used entries are evicted in the background
   * past it (see fs-eviction.ts). 0 or absent: unbounded. Not for plainFiles (those are not ours).
   */
  maxBytes?: number;
  /** Called with how many entries (and bytes) a background sweep evicted. */
  onEvict?: (entries: number, bytes: number) => void;
  /** Called when a background sweep fails. */
  onEvictionError?: (e: unknown) => void;
}

/**
 * An entry file is `MAGIC | u32 header length | header JSON | bytes`: bytes and metadata in ONE
 * file, so that one rename publishes both and no reader can see one without the other.
 */
const MAGIC = Buffer.from('TINTYPE1');
const PREFIX_BYTES = MAGIC.length + 4;
/** A header is a content type and a few short metadata values; anything bigger is not ours. */
const MAX_HEADER_BYTES = 64 * 1024;

interface Header {
  size: number;
  contentType: string;
  metadata: Record<string, string>;
}

const MISSING = new Set(['ENOENT', 'ENOTDIR', 'EISDIR']);
const isMissing = (e: unknown) => MISSING.has((e as NodeJS.ErrnoException).code ?? '');

export function createFsStorage(options: FsStorageOptions): BucketStorage {
  const root = resolve(options.root);
  const base = options.bucket ? join(root, checkBucket(options.bucket)) : root;
  const plain = options.plainFiles === true;
  const eviction =
    !plain && (options.maxBytes ?? 0) > 0
      ? createFsEviction({
          base,
          maxBytes: options.maxBytes!,
          onEvict: options.onEvict,
          onError: options.onEvictionError,
        })
      : undefined;

  function pathOf(key: string): string {
    const path = resolve(base, checkKey(key));
    // Security: checkKey already refuses `..` and absolute keys; this re-check on the resolved path
    // keeps the root a hard boundary even if that validation is ever loosened.
    if (!path.startsWith(base + sep)) throw new TypeError(`storage key escapes the root: ${key}`);
    return path;
  }

  /** Opens an entry and reads its header; null when missing, torn or not an entry file. */
  async function openEntry(
    key: string,
  ): Promise<{ handle: FileHandle; info: EntryInfo; offset: number } | null> {
    let handle: FileHandle;
    try {
      handle = await open(pathOf(key), 'r');
    } catch (e) {
      if (isMissing(e)) return null;
      throw e;
    }
    try {
      const st = await handle.stat();
      if (!st.isFile()) return close(handle);
      if (plain) {
        const info = {
          size: st.size,
          contentType: 'application/octet-stream',
          metadata: {},
          lastModified: st.mtime,
        };
        return { handle, info, offset: 0 };
      }
      const prefix = await readExactly(handle, 0, PREFIX_BYTES);
      const headerBytes = prefix && headerLength(prefix);
      if (headerBytes == null) return close(handle);
      const json = await readExactly(handle, PREFIX_BYTES, headerBytes);
      const header = json && wholeEntryHeader(json, st.size);
      if (!header) return close(handle);
      const { size, contentType, metadata } = header;
      return {
        handle,
        info: { size, contentType, metadata, lastModified: st.mtime },
        offset: PREFIX_BYTES + headerBytes,
      };
    } catch (e) {
      await handle.close();
      throw e;
    }
  }

  // Entry files read lately, still open, with their parsed headers: path -> file, oldest first.
  const kept = new Map<string, KeptEntry>();

  /**
   * A cache entry in one read. Why: entries are results, mostly tens of KB, and a hit is most of a
   * cache's traffic. Through fs/promises, open, stat, two header reads and a stream cost a
   * thread-pool round trip each (0.5-0.8 ms of CPU per hit, measured), and that pool is also where
   * sharp runs images, so under load a hit would wait behind them. So an entry up to
   * SYNC_READ_BYTES is read synchronously, as nginx reads static files, and its descriptor and
   * parsed header are kept for the next read of it: that read is one stat and one pread. Torn and
   * foreign files are misses, as in openEntry; one read of one descriptor sees one version.
   */
  async function getEntry(key: string): Promise<StoredEntry | null> {
    const path = pathOf(key);
    let entry: ParsedEntry | null;
    try {
      entry = keptEntry(path) ?? (await readEntry(path));
    } catch (e) {
      if (isMissing(e)) return null;
      throw e;
    }
    if (!entry) return null;
    const { info, bytes, release } = entry;
    // Most readers take `bytes`; a stream is made only for one that asks.
    return {
      info,
      bytes,
      release,
      get body() {
        return Readable.from([bytes]);
      },
    };
  }

  /**
   * The entry from a descriptor kept open, when the path still names that file. Entries are never
   * written in place (put renames a new file over the path; delete, purge and eviction unlink), so
   * the same inode at the path means the same bytes; the size check catches a file someone cut in
   * place. The stat is by path, not by descriptor, so a purged entry is gone even when another
   * process's purge stopped half way (its files moved aside but not yet unlinked).
   */
  function keptEntry(path: string): ParsedEntry | null {
    const file = kept.get(path);
    if (!file) return null;
    kept.delete(path);
    let loan: Loan | undefined;
    try {
      const st = statSync(path, { bigint: true, throwIfNoEntry: false });
      if (st && st.ino === file.ino && st.dev === file.dev && st.size === file.fileSize) {
        loan = pool.borrow(file.info.size);
        if (readFull(file.fd, loan.bytes, file.offset)) {
          touch(file.fd, st);
        } else {
          loan.release();
          loan = undefined;
        }
      }
    } finally {
      if (loan) kept.set(path, file);
      else closeSync(file.fd);
    }
    return loan ? { info: file.info, ...loan } : null;
  }

  /** Opens, reads and parses an entry file, and keeps it open when it is small (see getEntry). */
  function readEntry(path: string): ParsedEntry | null | Promise<ParsedEntry | null> {
    const fd = openSync(path, 'r');
    let keep = false;
    try {
      const st = fstatSync(fd, { bigint: true });
      if (!st.isFile()) return null;
      touch(fd, st);
      const size = Number(st.size);
      if (size > SYNC_READ_BYTES) return readFileAsync(path).then(parseEntryFile);
      const loan = pool.borrow(size);
      const entry = readFull(fd, loan.bytes, 0) ? parseEntryFile(loan.bytes) : null;
      if (!entry) {
        loan.release();
        return null;
      }
      keep = true;
      kept.set(path, {
        fd,
        info: entry.info,
        offset: size - entry.info.size,
        ino: st.ino,
        dev: st.dev,
        fileSize: st.size,
      });
      if (kept.size > KEPT_ENTRIES) forget(kept.keys().next().value!);
      return { ...entry, release: loan.release };
    } finally {
      if (!keep) closeSync(fd);
    }
  }

  function forget(path: string) {
    const file = kept.get(path);
    kept.delete(path);
    if (file) closeSync(file.fd);
  }

  /**
   * A read makes the entry recently used, for eviction; atime is set explicitly because mounts
   * often update it lazily (relatime) or never (noatime). mtime stays the time of the write.
   */
  function touch(fd: number, st: BigIntStats) {
    if (!eviction) return;
    try {
      futimesSync(fd, new Date(), st.mtime);
    } catch {
      // Recency is a hint: an entry that cannot be touched is still served.
    }
  }

  async function writeAtomically(path: string, chunks: Buffer[]): Promise<void> {
    const dir = dirname(path);
    await mkdir(dir, { recursive: true });
    // Same directory as the target, so the rename stays on one filesystem and is atomic.
    const tmp = join(dir, `${RESERVED_SEGMENT_PREFIX}tmp-${randomUUID()}`);
    try {
      await writeFile(tmp, chunks, { flag: 'wx' });
      await rename(tmp, path);
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
  }

  return {
    kind: 'fs',

    async get(key: string): Promise<StoredEntry | null> {
      if (!plain) return getEntry(key);
      const entry = await openEntry(key);
      if (!entry) return null;
      // The open handle pins this version of the file: a concurrent rename over it cannot change
      // what this reader streams.
      return { info: entry.info, body: entry.handle.createReadStream({ start: entry.offset }) };
    },

    async stat(key: string): Promise<EntryInfo | null> {
      const entry = await openEntry(key);
      if (!entry) return null;
      await entry.handle.close();
      return entry.info;
    },

    async put(key: string, body: Buffer, info: PutInfo): Promise<void> {
      const { contentType, metadata } = checkPutInfo(info);
      const path = pathOf(key);
      const chunks = plain ? [body] : [encodeHeader({ size: body.length, contentType, metadata }), body];
      try {
        await writeAtomically(path, chunks);
      } catch (e) {
        // A concurrent deletePrefix may remove the directory between mkdir and rename: once more.
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
        await writeAtomically(path, chunks);
      }
      eviction?.wrote(chunks.reduce((n, c) => n + c.length, 0));
    },

    async delete(key: string): Promise<void> {
      const path = pathOf(key);
      try {
        if ((await lstat(path)).isFile()) await rm(path, { force: true });
      } catch (e) {
        if (!isMissing(e)) throw e;
      }
    },

    async deletePrefix(prefix: string): Promise<number> {
      const dir = pathOf(checkPrefix(prefix).slice(0, -1));
      // Move the subtree aside first: readers stop seeing every entry in it at once, and the
      // count is exact because no writer can add to it after the rename.
      const trash = join(base, `${RESERVED_SEGMENT_PREFIX}trash-${randomUUID()}`);
      try {
        if (!(await lstat(dir)).isDirectory()) return 0;
        await rename(dir, trash);
      } catch (e) {
        if (isMissing(e)) return 0;
        throw e;
      }
      const entries = await readdir(trash, { recursive: true, withFileTypes: true });
      const count = entries.filter((d) => d.isFile() && !d.name.startsWith(RESERVED_SEGMENT_PREFIX)).length;
      await rm(trash, { recursive: true, force: true });
      return count;
    },

    withBucket(bucket: string) {
      // Sources in other buckets are not this cache: no eviction there.
      return createFsStorage({ ...options, bucket, maxBytes: 0 });
    },

    async close() {
      eviction?.stop();
      for (const path of [...kept.keys()]) forget(path);
    },
  };
}

function encodeHeader(header: Header): Buffer {
  const json = Buffer.from(JSON.stringify(header));
  const prefix = Buffer.alloc(PREFIX_BYTES);
  MAGIC.copy(prefix);
  prefix.writeUInt32BE(json.length, MAGIC.length);
  return Buffer.concat([prefix, json]);
}

function parseHeader(json: Buffer): Header | null {
  try {
    const h = JSON.parse(json.toString('utf8')) as Partial<Header>;
    const ok =
      Number.isSafeInteger(h.size) &&
      (h.size as number) >= 0 &&
      typeof h.contentType === 'string' &&
      typeof h.metadata === 'object' &&
      h.metadata !== null &&
      Object.values(h.metadata).every((v) => typeof v === 'string');
    return ok ? (h as Header) : null;
  } catch {
    return null;
  }
}

/** An entry file read whole: its header and bytes, or null when torn or not an entry file. */
function parseEntryFile(file: Buffer): ParsedEntry | null {
  const headerBytes = file.length >= PREFIX_BYTES ? headerLength(file) : null;
  if (headerBytes == null || file.length < PREFIX_BYTES + headerBytes) return null;
  const header = wholeEntryHeader(file.subarray(PREFIX_BYTES, PREFIX_BYTES + headerBytes), file.length);
  if (!header) return null;
  const { size, contentType, metadata } = header;
  return { info: { size, contentType, metadata }, bytes: file.subarray(PREFIX_BYTES + headerBytes) };
}

/** The header length an entry file's prefix gives, or null when the file is not an entry file. */
function headerLength(prefix: Buffer): number | null {
  if (!prefix.subarray(0, MAGIC.length).equals(MAGIC)) return null;
  const n = prefix.readUInt32BE(MAGIC.length);
  return n > MAX_HEADER_BYTES ? null : n;
}

/**
 * The header, when the file holds exactly the bytes it announces. The size check catches files
 * cut short by a crash between write and rename on filesystems that reorder them: such a file is
 * a miss, never served.
 */
function wholeEntryHeader(json: Buffer, fileSize: number): Header | null {
  const header = parseHeader(json);
  return header && fileSize === PREFIX_BYTES + json.length + header.size ? header : null;
}

/** Entries up to this size are read without the thread pool (see getEntry). */
const SYNC_READ_BYTES = 1024 * 1024;

/**
 * How many entry files one adapter keeps open (see getEntry): well within the descriptor limit
 * Node raises at start. A kept file whose entry was replaced, evicted or purged holds its disk
 * space until it is read again or pushed out: at most KEPT_ENTRIES x SYNC_READ_BYTES, tens of
 * KB each in practice.
 */
const KEPT_ENTRIES = 256;

interface ParsedEntry {
  info: EntryInfo;
  bytes: Buffer;
  release?: () => void;
}

/** Entries read whole borrow their buffers from here (see buffer-pool.ts). */
const pool = createBufferPool();
type Loan = ReturnType<BufferPool['borrow']>;

interface KeptEntry {
  fd: number;
  info: EntryInfo;
  /** Where the bytes start in the file. */
  offset: number;
  /** What identifies the file read: the path must still name it. */
  ino: bigint;
  dev: bigint;
  fileSize: bigint;
}

/**
 * Fills `buf` from `position` of a descriptor, synchronously; false if the file is shorter. Small
 * reads from the page cache cost microseconds, less than one thread-pool round trip. The cost of
 * this choice: on a slow disk or a network filesystem a read blocks the process for as long as it
 * takes (docs/caching.md says to keep IMGPROXY_CACHE_FS_ROOT on a local disk).
 */
function readFull(fd: number, buf: Buffer, position: number): boolean {
  let filled = 0;
  while (filled < buf.length) {
    const n = readSync(fd, buf, filled, buf.length - filled, position + filled);
    if (n === 0) return false;
    filled += n;
  }
  return true;
}

const readFileAsync = promisify(readFile);

/** `length` bytes at `position`, or null if the file is shorter. */
async function readExactly(handle: FileHandle, position: number, length: number): Promise<Buffer | null> {
  const buf = Buffer.alloc(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await handle.read(buf, filled, length - filled, position + filled);
    if (bytesRead === 0) return null;
    filled += bytesRead;
  }
  return buf;
}

async function close(handle: FileHandle): Promise<null> {
  await handle.close();
  return null;
}
