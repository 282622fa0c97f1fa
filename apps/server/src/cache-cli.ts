import { readFile } from 'node:fs/promises';
import { text } from 'node:stream/consumers';
import pino from 'pino';
import { type Config, loadConfig } from './config/index.js';
import { PURGE_PATH } from './purge.js';

/**
 * `tintype purge` and `tintype warm`: cache administration from the command line. Both are loaded
 * by cli.ts only when asked for, so `health` stays light.
 */

export interface PurgeArgs {
  source: string[];
  url: string[];
  /** Servers to send the purge to (their endpoint), instead of purging the backend from here. */
  server: string[];
}

/**
 * Purges from the configured backend directly, or through running servers' purge endpoints when
 * `--server` is given: only a server can drop what its own memory tier holds.
 */
export async function purgeCommand(
  config: Config,
  args: PurgeArgs,
  out: NodeJS.WritableStream,
): Promise<number> {
  if (args.source.length === 0 && args.url.length === 0) {
    process.stderr.write('Give --source URL or --url PROCESSING_URL (each may repeat)\n');
    return 2;
  }
  if (args.server.length > 0) {
    if (!config.IMGPROXY_PURGE_SECRET) {
      process.stderr.write('IMGPROXY_PURGE_SECRET must be set to purge through a server\n');
      return 2;
    }
    let failed = 0;
    for (const server of args.server) {
      const res = await fetch(`${server.replace(/\/$/, '')}${PURGE_PATH}`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${config.IMGPROXY_PURGE_SECRET}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ source: args.source, url: args.url }),
      }).catch((e: Error) => e);
      if (res instanceof Error || res.status !== 200) {
        failed++;
        process.stderr.write(
          `${server}: ${res instanceof Error ? res.message : `${res.status} ${await res.text()}`}\n`,
        );
      } else out.write(`${server}: deleted ${((await res.json()) as { deleted: number }).deleted}\n`);
    }
    return failed > 0 ? 1 : 0;
  }
  if (config.IMGPROXY_CACHE_USE === '') {
    process.stderr.write('The internal cache is off: set IMGPROXY_CACHE_USE and its backend variables\n');
    return 1;
  }
  const [{ createContext }, { createPurger }] = await Promise.all([
    import('./context.js'),
    import('./purge.js'),
  ]);
  const ctx = await createContext(config, pino({ level: 'error' }));
  try {
    const purger = createPurger(ctx);
    let deleted = 0;
    for (const s of args.source) deleted += await purger.source(s);
    // No request here: the key headers and cookies (IMGPROXY_CACHE_KEY_*) count as absent.
    for (const u of args.url) deleted += await purger.url(u, { accept: '', header: () => undefined });
    out.write(`deleted ${deleted}\n`);
    return 0;
  } finally {
    await ctx.close();
  }
}

export interface WarmArgs {
  file?: string;
  concurrency: number;
  server?: string;
}

interface Tally {
  done: number;
  skipped: number;
  failed: number;
}

/**
 * Fills the cache from a list of processing URLs or paths (a file, or stdin), with at most
 * `concurrency` requests at once. Without --server it starts the server in this process on a
 * loopback port and sends the list through it: the requests take the same path as any client's
 * (signature, limits, cache write), nothing but the backend needs to be running, and X-Cache tells
 * exactly which entries were already there.
 */
export async function warmCommand(
  env: NodeJS.ProcessEnv,
  config: Config,
  args: WarmArgs,
  io: { stdin: NodeJS.ReadableStream; stdout: NodeJS.WritableStream; stderr: NodeJS.WriteStream },
): Promise<number> {
  const list = (args.file && args.file !== '-' ? await readFile(args.file, 'utf8') : await text(io.stdin))
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));

  let base = args.server?.replace(/\/$/, '');
  let stop = async () => {};
  if (!base) {
    if (config.IMGPROXY_CACHE_USE === '') {
      io.stderr.write('The internal cache is off: set IMGPROXY_CACHE_USE and its backend variables\n');
      return 1;
    }
    const { startServer } = await import('./serve.js');
    const local = loadConfig({
      ...env,
      IMGPROXY_BIND: '127.0.0.1:0',
      IMGPROXY_NETWORK: 'tcp',
      IMGPROXY_ENABLE_DEBUG_HEADERS: 'true',
      IMGPROXY_PROMETHEUS_BIND: '',
    }).config;
    const running = await startServer(local, pino({ level: 'silent' }));
    base = `http://${running.address}`;
    stop = running.stop;
  }
  const headers: Record<string, string> = config.IMGPROXY_SECRET
    ? { authorization: `Bearer ${config.IMGPROXY_SECRET}` }
    : {};

  const tally: Tally = { done: 0, skipped: 0, failed: 0 };
  const tty = io.stderr.isTTY === true;
  const started = performance.now();
  const progress = () => {
    const finished = tally.done + tally.skipped + tally.failed;
    const width = 30;
    const filled = list.length === 0 ? width : Math.round((finished / list.length) * width);
    io.stderr.write(
      `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${finished}/${list.length}  done ${tally.done}  skipped ${tally.skipped}  failed ${tally.failed}`,
    );
  };
  const failures: string[] = [];

  const warmOne = async (line: string) => {
    const path = /^https?:\/\//i.test(line) ? new URL(line).pathname : line;
    let outcome: keyof Tally;
    let detail = '';
    try {
      const res = await fetch(`${base}${path.startsWith('/') ? '' : '/'}${path}`, { headers });
      await res.arrayBuffer();
      if (res.status !== 200) {
        outcome = 'failed';
        detail = String(res.status);
      } else outcome = res.headers.get('x-cache') === 'HIT' ? 'skipped' : 'done';
    } catch (e) {
      outcome = 'failed';
      detail = (e as Error).message;
    }
    tally[outcome]++;
    if (outcome === 'failed') failures.push(`${detail} ${line}`);
    if (tty) progress();
    else io.stdout.write(`${outcome}${detail ? ` ${detail}` : ''} ${line}\n`);
  };

  try {
    let next = 0;
    const worker = async () => {
      while (next < list.length) await warmOne(list[next++]!);
    };
    if (tty) progress();
    await Promise.all(Array.from({ length: Math.min(args.concurrency, list.length) }, worker));
  } finally {
    // Stopping the in-process server flushes its pending cache writes.
    await stop();
  }
  if (tty) {
    io.stderr.write('\n');
    for (const f of failures) io.stderr.write(`failed ${f}\n`);
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  io.stdout.write(
    `done ${tally.done}, skipped ${tally.skipped} (already cached), failed ${tally.failed}, of ${list.length} in ${seconds} s\n`,
  );
  return tally.failed > 0 ? 1 : 0;
}
