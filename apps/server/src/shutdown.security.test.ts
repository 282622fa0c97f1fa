import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { request } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Origin, serveBytes, startOrigin } from './test/origin.js';

// The real thing: the built CLI (`node dist/cli.js serve`) in its own process, on a unix socket
// (no port to race for), with an fs cache, stopped by a signal.

const serverDir = join(import.meta.dirname, '..');
const cli = join(serverDir, 'dist', 'cli.js');

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function get(socketPath: string, path: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    request({ socketPath, path, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
      res.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
}

interface Spawned {
  proc: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output: string[];
  /** Its socket path. */
  bind: string;
}

async function spawnServer(env: Record<string, string>): Promise<Spawned> {
  // Nothing of the machine's IMGPROXY_* settings leaks in.
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('IMGPROXY_')));
  const proc = spawn(process.execPath, [cli, 'serve'], {
    env: { ...base, IMGPROXY_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  proc.stdout!.on('data', (d) => output.push(String(d)));
  proc.stderr!.on('data', (d) => output.push(String(d)));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once('exit', (code, signal) => resolve({ code, signal })),
  );
  // Ready when it answers /health.
  for (;;) {
    const state = await Promise.race([
      exited.then(() => 'exited'),
      new Promise((r) => setTimeout(() => r('wait'), 20)),
    ]);
    if (state === 'exited') throw new Error(`server exited at start:\n${output.join('')}`);
    const ok = await get(env.IMGPROXY_BIND!, '/health').then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) return { proc, exited, output, bind: env.IMGPROXY_BIND! };
  }
}

async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 10));
}

let origin: Origin;
let photo: Buffer;
const held: (() => void)[] = [];
beforeAll(async () => {
  // Build the CLI from the current sources (type errors elsewhere must not stop the emit).
  const tsc = createRequire(join(serverDir, 'package.json')).resolve('typescript/bin/tsc');
  try {
    execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: serverDir, stdio: 'pipe' });
  } catch {
    // Emitted anyway; checked below.
  }
  expect(existsSync(cli)).toBe(true);
  photo = await sharp({ create: { width: 640, height: 480, channels: 3, background: '#3a6' } })
    .jpeg()
    .toBuffer();
  origin = await startOrigin({ '/photo.jpg': serveBytes(photo) });
  origin.route('/held.jpg', (req, res) => {
    held.push(() => serveBytes(photo)(req, res));
  });
}, 120_000);
afterAll(async () => {
  for (const go of held.splice(0)) go();
  await origin.close();
});

const hits = (path: string) => origin.hits.get(path) ?? 0;

function serverEnv(cacheRoot: string, extra: Record<string, string> = {}) {
  return {
    IMGPROXY_NETWORK: 'unix',
    IMGPROXY_BIND: join(mkdtempSync(join(tmpdir(), 'tintype-cli-')), 'tintype.sock'),
    IMGPROXY_ALLOW_LOOPBACK_SOURCE_ADDRESSES: 'true',
    IMGPROXY_CACHE_USE: 'fs',
    IMGPROXY_CACHE_FS_ROOT: cacheRoot,
    IMGPROXY_CACHE_MEMORY_SIZE: '0',
    IMGPROXY_ENABLE_DEBUG_HEADERS: 'true',
    ...extra,
  };
}

describe('graceful shutdown on SIGTERM', () => {
  it('stops accepting, finishes the request in flight, flushes its cache write, exits 0', async () => {
    const cacheRoot = mkdtempSync(join(tmpdir(), 'tintype-cache-'));
    const env = serverEnv(cacheRoot);
    const server = await spawnServer(env);
    const path = `/unsafe/w:100/plain/${origin.url}/held.jpg`;
    const before = hits('/held.jpg');
    const slow = get(env.IMGPROXY_BIND, path);
    await until(() => hits('/held.jpg') > before);

    server.proc.kill('SIGTERM');
    // No new connections: the socket goes away.
    await until(() => !existsSync(env.IMGPROXY_BIND));
    await expect(get(env.IMGPROXY_BIND, '/health')).rejects.toThrow();

    for (const go of held.splice(0)) go();
    const reply = await slow;
    expect(reply.status).toBe(200);
    expect((await sharp(reply.body).metadata()).width).toBe(100);
    expect(await server.exited).toEqual({ code: 0, signal: null });

    // The result written after the response is in the cache: a new process serves it from there.
    const again = await spawnServer({ ...env, IMGPROXY_BIND: serverEnv(cacheRoot).IMGPROXY_BIND });
    try {
      const cached = await get(again.bind, path);
      expect(cached.status).toBe(200);
      expect(cached.headers['x-cache']).toBe('HIT');
      expect(cached.body.equals(reply.body)).toBe(true);
      expect(hits('/held.jpg')).toBe(before + 1);
    } finally {
      again.proc.kill('SIGTERM');
      expect((await again.exited).code).toBe(0);
    }
  }, 60_000);

  it('cuts what is still running after IMGPROXY_GRACEFUL_STOP_TIMEOUT, and still exits 0', async () => {
    const env = serverEnv(mkdtempSync(join(tmpdir(), 'tintype-cache-')), {
      IMGPROXY_GRACEFUL_STOP_TIMEOUT: '1',
    });
    const server = await spawnServer(env);
    const before = hits('/held.jpg');
    const slow = get(env.IMGPROXY_BIND, `/unsafe/w:101/plain/${origin.url}/held.jpg`);
    await until(() => hits('/held.jpg') > before);
    server.proc.kill('SIGTERM');
    await expect(slow).rejects.toThrow();
    expect(await server.exited).toEqual({ code: 0, signal: null });
    for (const go of held.splice(0)) go();
  }, 60_000);
});

describe('crash (SIGKILL) during cache writes', () => {
  it('leaves no torn entry: after a restart every answer is whole, from the cache or made again', async () => {
    const cacheRoot = mkdtempSync(join(tmpdir(), 'tintype-cache-'));
    const env = serverEnv(cacheRoot);
    const widths = Array.from({ length: 60 }, (_, i) => 200 + i);
    const server = await spawnServer(env);
    let answered = 0;
    const inflight = widths.map((w) =>
      get(env.IMGPROXY_BIND, `/unsafe/w:${w}/plain/${origin.url}/photo.jpg@png`).then(
        () => answered++,
        () => {},
      ),
    );
    // Killed in the middle: some results answered (and maybe written), others not.
    await until(() => answered >= 15);
    server.proc.kill('SIGKILL');
    expect((await server.exited).signal).toBe('SIGKILL');
    await Promise.all(inflight);

    const files = readdirSync(cacheRoot, { recursive: true }).length;
    const again = await spawnServer({ ...env, IMGPROXY_BIND: serverEnv(cacheRoot).IMGPROXY_BIND });
    let fromCache = 0;
    try {
      for (const w of widths) {
        const reply = await get(again.bind, `/unsafe/w:${w}/plain/${origin.url}/photo.jpg@png`);
        expect(reply.status).toBe(200);
        const meta = await sharp(reply.body).metadata();
        expect([meta.format, meta.width]).toEqual(['png', w]);
        if (reply.headers['x-cache'] === 'HIT') fromCache++;
      }
    } finally {
      again.proc.kill('SIGTERM');
      expect((await again.exited).code).toBe(0);
    }
    expect(fromCache).toBeGreaterThan(0);
    console.info(
      `crash test: ${widths.length} requests, ${answered} answered before SIGKILL, ${files} paths in the cache after it, ${fromCache} served from it after restart, 0 torn`,
    );
  }, 120_000);
});
