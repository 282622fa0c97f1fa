import type { EntryInfo } from './storage.js';

export interface MemoryEntry {
  info: EntryInfo;
  /** Shared with every reader: never mutate it. */
  bytes: Buffer;
}

export interface MemoryTier {
  /** The entry, marked as most recently used; undefined when absent. */
  get(key: string): MemoryEntry | undefined;
  /** Stores the entry and evicts least recently used ones to stay under maxBytes. False (and
   * nothing stored) when the entry alone is larger than maxBytes. */
  set(key: string, entry: MemoryEntry): boolean;
  delete(key: string): void;
  /** Removes every key below the path `prefix` (same rule as Storage.deletePrefix); returns how many. */
  deletePrefix(prefix: string): number;
  /** Bytes held now (entries' bytes plus a small estimate for their keys and metadata). */
  readonly bytes: number;
  readonly size: number;
  readonly maxBytes: number;
}

/** Per-entry cost beyond its bytes: Map slot, objects and strings, roughly. */
const ENTRY_OVERHEAD = 256;

function costOf(key: string, entry: MemoryEntry): number {
  let cost = ENTRY_OVERHEAD + entry.bytes.length + key.length * 2 + entry.info.contentType.length * 2;
  for (const [k, v] of Object.entries(entry.info.metadata)) cost += (k.length + v.length) * 2;
  return cost;
}

/**
 * A size-bounded LRU of whole entries, bounded in bytes, not in entries: one 20 MiB image must
 * count for more than one 2 KiB thumbnail. maxBytes 0 turns it off (nothing is ever stored).
 */
export function createMemoryTier(options: { maxBytes: number }): MemoryTier {
  const { maxBytes } = options;
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) throw new TypeError(`invalid maxBytes: ${maxBytes}`);
  // A Map iterates in insertion order: re-inserting on every hit keeps the least recently used first.
  const entries = new Map<string, { entry: MemoryEntry; cost: number }>();
  let bytes = 0;

  function remove(key: string): boolean {
    const slot = entries.get(key);
    if (!slot) return false;
    entries.delete(key);
    bytes -= slot.cost;
    return true;
  }

  return {
    get(key) {
      const slot = entries.get(key);
      if (!slot) return undefined;
      entries.delete(key);
      entries.set(key, slot);
      return slot.entry;
    },

    set(key, entry) {
      remove(key);
      const cost = costOf(key, entry);
      if (cost > maxBytes) return false;
      for (const [oldest] of entries) {
        if (bytes + cost <= maxBytes) break;
        remove(oldest);
      }
      entries.set(key, { entry, cost });
      bytes += cost;
      return true;
    },

    delete(key) {
      remove(key);
    },

    deletePrefix(prefix) {
      const dir = prefix.endsWith('/') ? prefix : `${prefix}/`;
      let removed = 0;
      for (const key of [...entries.keys()]) if (key.startsWith(dir) && remove(key)) removed++;
      return removed;
    },

    get bytes() {
      return bytes;
    },
    get size() {
      return entries.size;
    },
    maxBytes,
  };
}
