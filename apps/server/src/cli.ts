#!/usr/bin/env node
import cluster from 'node:cluster';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { type Config, ConfigError, loadConfig, loadEnvFile } from './config/index.js';
import { applyDemoDefaults } from './demo.js';
import { parseBind } from './listen.js';
import { signedUrl } from './sign.js';

const VERSION: string = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version;

const HELP: Record<string, string> = {
  '': `tintype ${VERSION}: an imgproxy-compatible image server with an internal cache

Usage: tintype <command> [options]

Commands:
  serve     Start the server (default). Configured by IMGPROXY_* variables.
  health    Ask a running server for /health; exit 0 if it answers 200, else 1.
  sign      Print a signed URL for a source and processing options.
  purge     Remove cached results of a source or of one URL.
  warm      Fill the cache from a list of URLs.
  version   Print the version.

Run 'tintype <command> --help' for a command's options.`,
  serve: `Usage: tintype serve [--demo]

Starts the server. Every setting comes from IMGPROXY_* environment variables (see docs/configuration.md).
  --demo   Defaults for trying Tintype out: 127.0.0.1:8080, the repo's samples/ as local:// sources,
           an fs cache in .cache/. Variables you set still win.`,
  health: `Usage: tintype health

Requests /health from the server configured by IMGPROXY_BIND (and IMGPROXY_PATH_PREFIX).
Exit code 0 when it answers 200, 1 otherwise. For container health checks.`,
  sign: `Usage: tintype sign [options] <source URL>

Prints a URL for the source, signed with the configured IMGPROXY_KEY/IMGPROXY_SALT (the first pair)
and IMGPROXY_SIGNATURE_SIZE; with no key it uses the \`insecure\` placeholder.
  -o, --options <path>     processing options as in a URL, e.g. rs:fit:300:200/q:80
  -f, --format <ext>       output format as an extension, e.g. webp
  -e, --encoding <how>     how the source is written: base64 (default), plain, encrypted
                           (encrypted uses IMGPROXY_SOURCE_URL_ENCRYPTION_KEY)
      --endpoint <url>     server base URL (default: the address of IMGPROXY_BIND, plus IMGPROXY_PATH_PREFIX)

Example: tintype sign -o rs:fill:300:300/g:sm -f webp https://example.com/cat.jpg`,
  purge: `Usage: tintype purge (--source <source URL> | --url <processing URL or path>)... [--server <url>]...

Removes cached results from the backend configured by IMGPROXY_CACHE_USE (and its variables):
  --source <url>   every variant and /info answer of this source image
  --url <url>      the result of this processing (or /info) URL or path, in every negotiated format
  --server <url>   send the purge to this running server's endpoint instead (repeatable), so its
                   memory tier forgets too; needs IMGPROXY_PURGE_SECRET
Each option may repeat. Prints how many entries were deleted.

Example: tintype purge --source https://example.com/cat.jpg`,
  warm: `Usage: tintype warm [file] [--concurrency <n>] [--server <url>]

Fills the cache: requests every processing URL or path listed in the file (or on stdin; one a line,
# comments allowed) through a server started in this process with the configured cache, at most
<n> at a time (default 4). Shows a progress bar on a terminal, plain lines otherwise, then a summary:
done, skipped (already cached) and failed. Exit code 1 when any failed.
  -c, --concurrency <n>   requests in flight (default 4)
      --server <url>      send the requests to this running server instead (it tells what was
                          already cached only with IMGPROXY_ENABLE_DEBUG_HEADERS=true)

Example: tintype sign -o rs:fit:300:300 https://example.com/cat.jpg | tintype warm`,
  version: 'Usage: tintype version\n\nPrints the version.',
};

const OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  demo: { type: 'boolean' },
  options: { type: 'string', short: 'o' },
  format: { type: 'string', short: 'f' },
  encoding: { type: 'string', short: 'e' },
  endpoint: { type: 'string' },
  source: { type: 'string', multiple: true },
  url: { type: 'string', multiple: true },
  server: { type: 'string', multiple: true },
  concurrency: { type: 'string', short: 'c' },
} as const;

async function main(argv: string[]): Promise<number> {
  const command = argv[0] && !argv[0].startsWith('-') ? argv[0] : 'serve';
  const rest = command === argv[0] ? argv.slice(1) : argv;
  const { values, positionals } = parseArgs({
    args: rest,
    options: OPTIONS,
    strict: true,
    allowPositionals: true,
  });
  if (!(command in HELP)) {
    process.stderr.write(`Unknown command: ${command}\n\n${HELP['']}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${HELP[command === 'serve' && argv[0] !== 'serve' ? '' : command]}\n`);
    return 0;
  }
  if (command === 'version') {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }

  if (values.demo) applyDemoDefaults(process.env);
  loadEnvFile(process.env);
  let loaded: ReturnType<typeof loadConfig>;
  try {
    loaded = loadConfig(process.env);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      return 1;
    }
    throw e;
  }
  const { config, warnings } = loaded;

  if (command === 'health')
    return health(config.IMGPROXY_BIND, config.IMGPROXY_NETWORK, config.IMGPROXY_PATH_PREFIX);
  if (command === 'sign') return sign(config, values, positionals);
  if (command === 'purge') {
    const { purgeCommand } = await import('./cache-cli.js');
    return purgeCommand(
      config,
      { source: values.source ?? [], url: values.url ?? [], server: values.server ?? [] },
      process.stdout,
    );
  }
  if (command === 'warm') {
    const concurrency = Number(values.concurrency ?? 4);
    if (
      !Number.isInteger(concurrency) ||
      concurrency < 1 ||
      positionals.length > 1 ||
      (values.server ?? []).length > 1
    ) {
      process.stderr.write(`${HELP.warm}\n`);
      return 2;
    }
    const { warmCommand } = await import('./cache-cli.js');
    return warmCommand(
      process.env,
      config,
      { file: positionals[0], concurrency, server: values.server?.[0] },
      { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr },
    );
  }

  // Why lazy: `health` runs every few seconds in containers, and should not load sharp and Express.
  const [{ createLogger }, { processCount, runPrimary, workerShare }] = await Promise.all([
    import('./logger.js'),
    import('./cluster.js'),
  ]);
  const log = createLogger(config);
  const processes = processCount(config);
  // A worker re-runs this file with the same argv and environment: the primary has warned already.
  if (cluster.isPrimary) for (const w of warnings) log.warn(w);
  if (processes > 1 && cluster.isPrimary) {
    await runPrimary(config, log, processes);
    return -1;
  }
  // Only processes that serve load sharp and Express: the primary of a cluster stays small.
  const { startServer } = await import('./serve.js');
  const running = await startServer(processes > 1 ? workerShare(config, processes) : config, log);
  const shutdown = (signal: string) => {
    log.info({ signal }, 'Shutting down');
    running.stop().then(
      () => process.exit(0),
      (e) => {
        log.error({ err: e }, 'Shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
  return -1;
}

function sign(
  config: Config,
  values: { options?: string; format?: string; encoding?: string; endpoint?: string },
  positionals: string[],
): number {
  const [source, ...extra] = positionals;
  if (!source || extra.length > 0) {
    process.stderr.write(`${HELP.sign}\n`);
    return 2;
  }
  const encoding = values.encoding ?? 'base64';
  if (encoding !== 'base64' && encoding !== 'plain' && encoding !== 'encrypted') {
    process.stderr.write('--encoding must be base64, plain or encrypted\n');
    return 2;
  }
  const base = localBase(config.IMGPROXY_BIND, config.IMGPROXY_NETWORK) ?? '';
  const endpoint = values.endpoint ?? `${base}${config.IMGPROXY_PATH_PREFIX}`;
  process.stdout.write(
    `${signedUrl(config, { source, options: values.options, format: values.format, encoding, endpoint })}\n`,
  );
  return 0;
}

/** `http://host:port` of the server configured by IMGPROXY_BIND, as seen from this machine. */
function localBase(bind: string, network: string): string | undefined {
  const target = parseBind(bind, network);
  if (target.path) return undefined;
  const host = !target.host || target.host === '0.0.0.0' || target.host === '::' ? '127.0.0.1' : target.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${target.port}`;
}

async function health(bind: string, network: string, prefix: string): Promise<number> {
  const target = parseBind(bind, network);
  const base = localBase(bind, network);
  try {
    const res = base
      ? await fetch(`${base}${prefix}/health`, { signal: AbortSignal.timeout(5000) })
      : await unixHealth(target.path!, `${prefix}/health`);
    return res.status === 200 ? 0 : 1;
  } catch {
    return 1;
  }
}

async function unixHealth(socketPath: string, path: string): Promise<{ status: number }> {
  const { request } = await import('node:http');
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path, timeout: 5000 }, (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0 });
    });
    req.on('error', reject).end();
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
    // A cluster worker's IPC channel would keep it running; the primary must see it exit.
    if (cluster.isWorker) process.exit();
  },
);
