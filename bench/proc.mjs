// What the bench reads of a server's processes from /proc (Linux): CPU time and status fields.
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

export const TICKS_PER_SECOND = 100;

/** CPU time (clock ticks) the processes have used so far; a process gone meanwhile counts 0. */
export function cpuTicks(pids) {
  return pids.reduce((sum, pid) => sum + statTicks(`/proc/${pid}/stat`), 0);
}

/** Minor page faults the processes have taken so far (memory the kernel had to map in, zeroed). */
export function minorFaults(pids) {
  return pids.reduce((sum, pid) => sum + statField(`/proc/${pid}/stat`, 7), 0);
}

/** Seconds the machine's CPUs have spent idle so far, per CPU (/proc/stat's idle + iowait): over a
 * wall-clock interval, the difference divided by its length is the share of the machine unused. */
export function idleSeconds() {
  const f = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/);
  return (Number(f[4]) + Number(f[5])) / TICKS_PER_SECOND / availableParallelism();
}

/** CPU time (clock ticks) of a process's main thread alone: JavaScript, not libvips's threads. */
export const mainThreadTicks = (pid) => statTicks(`/proc/${pid}/task/${pid}/stat`);

const statTicks = (file) => {
  const f = statFields(file);
  return f ? Number(f[11]) + Number(f[12]) : 0; // utime, stime
};

const statField = (file, i) => Number(statFields(file)?.[i] ?? 0);

/** The fields of /proc/.../stat, counted from the state field (after the command name); null when gone. */
function statFields(file) {
  try {
    const stat = readFileSync(file, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

/** Sum of a /proc/<pid>/status field (kB) over the pids. */
export function sumStatus(pids, field) {
  let kb = 0;
  for (const pid of pids) {
    try {
      const m = new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m) kb += Number(m[1]);
    } catch {}
  }
  return kb;
}

/** The allocator a running process uses: the tcmalloc it maps, else glibc's with its arena limit. */
export function allocatorOf(pid) {
  const maps = readFileSync(`/proc/${pid}/maps`, 'utf8');
  const tcmalloc = /\S*libtcmalloc\S*/.exec(maps);
  if (tcmalloc) return `tcmalloc (${tcmalloc[0]})`;
  const arenas = readFileSync(`/proc/${pid}/environ`, 'utf8')
    .split('\0')
    .find((kv) => kv.startsWith('MALLOC_ARENA_MAX='));
  return `glibc malloc${arenas ? `, ${arenas}` : ''}`;
}
