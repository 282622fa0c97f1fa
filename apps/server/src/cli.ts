#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, loadEnvFile } from './config/index.js';
import { applyDemoDefaults } from './demo.js';
import { parseBind } from './listen.js';
import { createLogger } from './logger.js';
import { startServer } from './serve.js';

const VERSION: string = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version;

const HELP: Record<string, string> = {
  '': `tintype ${VERSION}: an imgproxy-compatible image server with an internal cache

Usage: tintype <command> [options]

Commands:
  serve     Start the server (default). Configured by IMGPROXY_* variables.
  health    Ask a running server for /health; exit 0 if it answers 200, else 1.
  version   Print the version.

Run 'tintype <command> --help' for a command's options.`,
  serve: `Usage: tintype serve [--demo]

Starts the server. Every setting comes from IMGPROXY_* environment variables (see docs/configuration.md).
  --demo   Defaults for trying Tintype out: 127.0.0.1:8080, the repo's samples/ as local:// sources,
           an fs cache in .cache/. Variables you set still win.`,
  health: `Usage: tintype health

Requests /health from the server configured by IMGPROXY_BIND (and IMGPROXY_PATH_PREFIX).
Exit code 0 when it answers 200, 1 otherwise. For container health checks.`,
  version: 'Usage: tintype version\n\nPrints the version.',
};

async function main(argv: string[]): Promise<number> {
  const command = argv[0] && !argv[0].startsWith('-') ? argv[0] : 'serve';
  const rest = command === argv[0] ? argv.slice(1) : argv;
  const { values } = parseArgs({
    args: rest,
    options: { help: { type: 'boolean', short: 'h' }, demo: { type: 'boolean' } },
    strict: true,
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

  if (command === 'health') return health(config.IMGPROXY_BIND, config.IMGPROXY_NETWORK, config.IMGPROXY_PATH_PREFIX);

  const log = createLogger(config);
  for (const w of warnings) log.warn(w);
  const running = await startServer(config, log);
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

async function health(bind: string, network: string, prefix: string): Promise<number> {
  const target = parseBind(bind, network);
  const host = !target.host || target.host === '0.0.0.0' || target.host === '::' ? '127.0.0.1' : target.host;
  const base = target.path ? undefined : `http://${host.includes(':') ? `[${host}]` : host}:${target.port}`;
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
  },
);
