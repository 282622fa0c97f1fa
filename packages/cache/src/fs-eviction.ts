import type { Dirent } from 'node:fs';
import { lstat, readdir, rm, rmdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { RESERVED_SEGMENT_PREFIX } from './adapters/validate.js';

export interface FsEvictionOptions {
  /** The directory the entries live in (root, plus the bucket when there is one). */
  base: string;
  /** Bytes the entries may take; past it, least recently used entries go until 90% of it is left. */
  maxBytes: number;
  /** Between background sweeps, which also catch what other processes sharing the directory wrote. */
  intervalMs?: number;
  /** Temp and trash files older than this were left by a crash and are removed. */
  staleMs?: number;
  /** Called after a sweep that evicted entries. */
  onEvict?: (entries: number, bytes: number) => void;
  /** Called when a sweep fails (it is retried at the next one). */
  onError?: (e: unknown) => void;
  now?: () => number;
}

export interface SweepResult {
  /** Bytes of entries before the sweep. */
  total: number;
  evicted: number;
  evictedBytes: number;
  /** Stale `.tintype-tmp-*` files and `.tintype-trash-*` directories removed. */
  stale: number;
}

export interface FsEviction {
  /** Counts a write, and starts a sweep in the background once the bound may have been passed. */
  wrote(bytes: number): void;
  /** One sweep now (joins the one running, if any). */
  sweep(): Promise<SweepResult>;
  stop(): void;
}

/** What is left after a sweep, as a share of maxBytes: room for writes before the next one. */
const LOW_WATER = 0.9;

/**
 * Keeps an fs cache within a size bound by evicting least recently used entries, in the background:
 * requests never wait for it. Recency is the file's atime, which the fs adapter sets on every read
 * (so it works whatever the mount's atime policy, and across processes sharing the directory).
 *
 * An entry being read is never broken: a reader opens the file before reading it, and on Linux (as
 * on every POSIX system) unlinking an open file leaves the reader's handle whole. An entry read
 * during the sweep has a newer atime than the sweep saw, and is kept.
 */
export function createFsEviction(opts: FsEvictionOptions): FsEviction {
  const now = opts.now ?? Date.now;
  const staleMs = opts.staleMs ?? 60 * 60 * 1000;
  const low = Math.floor(opts.maxBytes * LOW_WATER);
  // Bytes on disk as of the last sweep plus what this process wrote since: when to sweep early.
  let estimate = 0;
  let running: Promise<SweepResult> | undefined;

  async function sweepOnce(): Promise<SweepResult> {
    const entries: { path: string; size: number; atimeMs: number }[] = [];
    let stale = 0;
    let total = 0;
    let listing: Dirent[];
    try {
      listing = await readdir(opts.base, { recursive: true, withFileTypes: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT')
        return { total: 0, evicted: 0, evictedBytes: 0, stale: 0 };
      throw e;
    }
    for (const d of listing) {
      const path = join(d.parentPath, d.name);
      const st = await lstat(path).catch(() => undefined);
      if (!st) continue; // gone meanwhile: renamed, purged or evicted by another process
      if (d.name.startsWith(RESERVED_SEGMENT_PREFIX)) {
        if (now() - st.mtimeMs > staleMs) {
          await rm(path, { recursive: true, force: true });
          stale++;
        }
        continue;
      }
      if (!st.isFile() || isInsideReserved(path, opts.base)) continue;
      entries.push({ path, size: st.size, atimeMs: st.atimeMs });
      total += st.size;
    }

    let evicted = 0;
    let evictedBytes = 0;
    let left = total;
    if (total > opts.maxBytes) {
      entries.sort((a, b) => a.atimeMs - b.atimeMs);
      for (const e of entries) {
        if (left <= low) break;
        const st = await lstat(e.path).catch(() => undefined);
        if (!st) {
          left -= e.size;
          continue;
        }
        // Read since the listing: it is in use, not least recently used.
        if (st.atimeMs !== e.atimeMs) continue;
        await rm(e.path, { force: true });
        left -= e.size;
        evicted++;
        evictedBytes += e.size;
        // Leave no empty source directories behind; one that is not empty (or was just reused) stays.
        if (dirname(e.path) !== opts.base) await rmdir(dirname(e.path)).catch(() => {});
      }
    }
    estimate = left;
    if (evicted > 0) opts.onEvict?.(evicted, evictedBytes);
    return { total, evicted, evictedBytes, stale };
  }

  const sweep = () => {
    running ??= sweepOnce().finally(() => {
      running = undefined;
    });
    return running;
  };
  // Writes that land while a sweep runs may not be in its listing: one more sweep follows it.
  let again = false;
  const background = () => {
    if (running) {
      again = true;
      return;
    }
    sweep().then(
      () => {
        if (again) {
          again = false;
          background();
        }
      },
      (e) => opts.onError?.(e),
    );
  };

  const timer = setInterval(background, opts.intervalMs ?? 60_000);
  timer.unref();
  // The first sweep learns how much is already there.
  background();

  return {
    wrote(bytes) {
      estimate += bytes;
      if (estimate > opts.maxBytes) background();
    },
    sweep,
    stop() {
      clearInterval(timer);
    },
  };
}

/** Whether a path lies inside a `.tintype-*` directory (a trash tree being deleted). */
function isInsideReserved(path: string, base: string): boolean {
  return path
    .slice(base.length + 1)
    .split('/')
    .slice(0, -1)
    .some((segment) => segment.startsWith(RESERVED_SEGMENT_PREFIX));
}
