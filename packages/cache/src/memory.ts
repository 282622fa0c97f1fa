/**
 * A size-bounded LRU of whole results in memory, measured in bytes, in front of any backend so
 * hot variants never touch disk or network. Map iteration order is insertion order, so
 * re-inserting on every hit keeps the least recently used entry first.
 */
export interface MemoryEntry<M> {
  data: Buffer;
  meta: M;
}

export interface MemoryTier<M> {
  get(key: string): MemoryEntry<M> | undefined;
  set(key: string, data: Buffer, meta: M): void;
  delete(key: string): boolean;
  /** Deletes every key below the path `prefix` (`a/b` matches `a/b/x`, not `a/bc`); returns how many. */
  deletePrefix(prefix: string): number;
  readonly bytes: number;
  readonly size: number;
}

export function createMemoryTier<M>(opts: { maxBytes: number; onEvict?: () => void }): MemoryTier<M> {
  const entries = new Map<string, MemoryEntry<M>>();
  let bytes = 0;

  const remove = (key: string) => {
    const e = entries.get(key);
    if (!e) return false;
    entries.delete(key);
    bytes -= e.data.length;
    return true;
  };

  return {
    get(key) {
      const e = entries.get(key);
      if (!e) return undefined;
      entries.delete(key);
      entries.set(key, e);
      return e;
    },
    set(key, data, meta) {
      remove(key);
      // An entry larger than the whole tier would only evict everything else.
      if (data.length > opts.maxBytes) return;
      entries.set(key, { data, meta });
      bytes += data.length;
      for (const oldest of entries.keys()) {
        if (bytes <= opts.maxBytes) break;
        remove(oldest);
        opts.onEvict?.();
      }
    },
    delete: remove,
    deletePrefix(prefix) {
      const p = prefix.replace(/\/+$/, '') + '/';
      let n = 0;
      for (const key of [...entries.keys()]) if (key.startsWith(p) && remove(key)) n++;
      return n;
    },
    get bytes() {
      return bytes;
    },
    get size() {
      return entries.size;
    },
  };
}
