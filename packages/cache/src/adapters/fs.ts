import { randomUUID } from 'node:crypto';
import { type FileHandle, lstat, mkdir, open, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
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
      if (!prefix?.subarray(0, MAGIC.length).equals(MAGIC)) return close(handle);
      const headerBytes = prefix.readUInt32BE(MAGIC.length);
      if (headerBytes > MAX_HEADER_BYTES) return close(handle);
      const json = await readExactly(handle, PREFIX_BYTES, headerBytes);
      const header = json && parseHeader(json);
      const offset = PREFIX_BYTES + headerBytes;
      // The size check catches files cut short by a crash between write and rename on
      // filesystems that reorder them: such a file is a miss, never served.
      if (!header || st.size !== offset + header.size) return close(handle);
      const { size, contentType, metadata } = header;
      return { handle, info: { size, contentType, metadata, lastModified: st.mtime }, offset };
    } catch (e) {
      await handle.close();
      throw e;
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
      const entry = await openEntry(key);
      if (!entry) return null;
      // A read makes the entry recently used, for eviction; atime is set explicitly because mounts
      // often update it lazily (relatime) or never (noatime).
      if (eviction) await entry.handle.utimes(new Date(), entry.info.lastModified!);
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
