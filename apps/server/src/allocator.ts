import { readFileSync } from 'node:fs';

export type Allocator = 'tcmalloc' | 'jemalloc' | 'mimalloc' | 'glibc';

/**
 * The malloc this process runs on: one preloaded (scripts/serve.sh and the Docker image preload
 * tcmalloc where installed) or glibc's, read from /proc/self/maps ('glibc' where there is none).
 * For the startup log line.
 */
export function allocator(): Allocator {
  let maps = '';
  try {
    maps = readFileSync('/proc/self/maps', 'utf8');
  } catch {}
  return (
    (['tcmalloc', 'jemalloc', 'mimalloc'] as const).find((name) => maps.includes(`lib${name}`)) ?? 'glibc'
  );
}
