import { readFileSync } from 'node:fs';

export type Allocator = 'tcmalloc' | 'jemalloc' | 'mimalloc' | 'glibc';

let found: Allocator | undefined;

/**
 * The malloc this process runs on: one preloaded (scripts/serve.sh and the Docker image preload
 * tcmalloc where installed) or glibc's. Read once from /proc/self/maps; 'glibc' where there is none.
 */
export function allocator(): Allocator {
  if (found) return found;
  let maps = '';
  try {
    maps = readFileSync('/proc/self/maps', 'utf8');
  } catch {}
  found =
    (['tcmalloc', 'jemalloc', 'mimalloc'] as const).find((name) => maps.includes(`lib${name}`)) ?? 'glibc';
  return found;
}
