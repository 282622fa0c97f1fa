import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from './test/server.js';

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const samples = fileURLToPath(new URL('../../../samples', import.meta.url));
const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI with only the given variables (none of this machine's IMGPROXY_*). */
function run(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [cli, ...args],
      { env: { PATH: process.env.PATH, ...env } },
      (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr });
      },
    );
  });
}

/** A loopback port nothing listens on: bound, then released. */
async function deadPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

const KEY = '736563726574'; // "secret"
const SALT = '68656c6c6f'; // "hello"

beforeAll(() => {
  if (!existsSync(cli))
    throw new Error(`${cli} is missing: build the server first (pnpm --filter @tintype/server build)`);
});

describe('tintype CLI', () => {
  it('version prints the package version', async () => {
    expect(await run(['version'])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it('--help works on every command', async () => {
    const top = await run(['--help']);
    expect(top.code).toBe(0);
    for (const command of ['serve', 'health', 'sign', 'version']) {
      expect(top.stdout).toContain(`  ${command} `);
      const own = await run([command, '--help']);
      expect(own.code, command).toBe(0);
      expect(own.stdout, command).toContain(`Usage: tintype ${command}`);
    }
  });

  it('rejects an unknown command or option', async () => {
    expect((await run(['frobnicate'])).code).toBe(2);
    expect((await run(['version', '--nope'])).code).not.toBe(0);
  });

  it('stops on an invalid setting with a message naming it', async () => {
    const r = await run(['health'], { IMGPROXY_WORKERS: 'many' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('IMGPROXY_WORKERS');
  });

  describe('health', () => {
    it('exits 0 against a running server', async () => {
      const server = await startTestServer();
      try {
        expect((await run(['health'], { IMGPROXY_BIND: server.running.address })).code).toBe(0);
      } finally {
        await server.stop();
      }
    });

    it('honours IMGPROXY_PATH_PREFIX', async () => {
      const server = await startTestServer({ IMGPROXY_PATH_PREFIX: '/images' });
      try {
        const env = { IMGPROXY_BIND: server.running.address };
        expect((await run(['health'], { ...env, IMGPROXY_PATH_PREFIX: '/images' })).code).toBe(0);
        expect((await run(['health'], env)).code).toBe(1);
      } finally {
        await server.stop();
      }
    });

    it('reads IMGPROXY_ENV_LOCAL_FILE_PATH, where the environment says nothing', async () => {
      const server = await startTestServer();
      const dir = mkdtempSync(join(tmpdir(), 'tintype-env-'));
      try {
        const file = join(dir, '.env');
        writeFileSync(file, `# as imgproxy reads it\nIMGPROXY_BIND=${server.running.address}\n`);
        expect((await run(['health'], { IMGPROXY_ENV_LOCAL_FILE_PATH: file })).code).toBe(0);
        // A variable that is set wins over the file.
        const dead = `127.0.0.1:${await deadPort()}`;
        expect(
          (await run(['health'], { IMGPROXY_ENV_LOCAL_FILE_PATH: file, IMGPROXY_BIND: dead })).code,
        ).toBe(1);
      } finally {
        await server.stop();
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('exits 1 when nothing answers', async () => {
      expect((await run(['health'], { IMGPROXY_BIND: `127.0.0.1:${await deadPort()}` })).code).toBe(1);
    });
  });

  describe('sign', () => {
    it('prints a URL signed as imgproxy signs: HMAC-SHA256(key, salt + path), base64url', async () => {
      const r = await run(
        ['sign', '-o', 'rs:fill:300:400:0/g:sm', '-f', 'png', 'http://example.com/images/curiosity.jpg'],
        {
          IMGPROXY_KEY: KEY,
          IMGPROXY_SALT: SALT,
          IMGPROXY_BIND: '127.0.0.1:9000',
        },
      );
      expect(r.code).toBe(0);
      const url = new URL(r.stdout.trim());
      expect(url.origin).toBe('http://127.0.0.1:9000');
      const [, signature, ...rest] = url.pathname.split('/');
      const path = `/${rest.join('/')}`;
      expect(path).toBe(
        `/rs:fill:300:400:0/g:sm/${Buffer.from('http://example.com/images/curiosity.jpg').toString('base64url')}.png`,
      );
      const expected = createHmac('sha256', Buffer.from(KEY, 'hex'))
        .update(Buffer.from(SALT, 'hex'))
        .update(path)
        .digest('base64url');
      expect(signature).toBe(expected);
    });

    it('honours IMGPROXY_SIGNATURE_SIZE, --encoding and --endpoint; uses a placeholder without a key', async () => {
      const short = await run(
        ['sign', '-e', 'plain', '--endpoint', 'https://img.example.com', 'local:///a.jpg'],
        {
          IMGPROXY_KEY: KEY,
          IMGPROXY_SALT: SALT,
          IMGPROXY_SIGNATURE_SIZE: '8',
        },
      );
      expect(short.stdout.trim()).toMatch(
        /^https:\/\/img\.example\.com\/[A-Za-z0-9_-]{11}\/plain\/local:\/\/\/a\.jpg$/,
      );
      const unsigned = await run(['sign', '-e', 'plain', '--endpoint', '', '-o', 'w:10', 'local:///a.jpg']);
      expect(unsigned.stdout.trim()).toBe('/insecure/w:10/plain/local:///a.jpg');
      expect((await run(['sign'])).code).toBe(2);
      expect((await run(['sign', '-e', 'rot13', 'x'])).code).toBe(2);
    });

    it('prints URLs a server with the same key answers, and only those', async () => {
      const env = { IMGPROXY_KEY: KEY, IMGPROXY_SALT: SALT, IMGPROXY_LOCAL_FILESYSTEM_ROOT: samples };
      const server = await startTestServer(env);
      try {
        const r = await run(['sign', '-o', 'rs:fit:50:50', '-f', 'webp', 'local:///ladybird.jpg'], {
          ...env,
          IMGPROXY_BIND: server.running.address,
        });
        const good = await fetch(r.stdout.trim());
        expect(good.status).toBe(200);
        expect(good.headers.get('content-type')).toBe('image/webp');
        const tampered = await fetch(r.stdout.trim().replace('rs:fit:50:50', 'rs:fit:51:50'));
        expect(tampered.status).toBe(403);
      } finally {
        await server.stop();
      }
    });
  });

  describe('serve', () => {
    /** Starts `command` (a serve), waits for its listening log line; gives the child, address, exit. */
    async function startServe(command: string, args: string[], env: Record<string, string> = {}) {
      const child: ChildProcess = spawn(command, args, {
        env: { PATH: process.env.PATH, IMGPROXY_BIND: '127.0.0.1:0', IMGPROXY_LOG_FORMAT: 'json', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      const listening = await new Promise<{ address: string; pixelWorkers: number; allocator: string }>(
        (resolve, reject) => {
          let out = '';
          child.stdout!.on('data', (chunk: Buffer) => {
            out += chunk;
            const line = out.split('\n').find((l) => l.includes('"address":'));
            if (line) resolve(JSON.parse(line));
          });
          child.on('exit', () => reject(new Error(`serve exited early: ${out}`)));
        },
      );
      return { child, ...listening, exited };
    }

    it('starts on IMGPROXY_BIND, answers, and exits 0 on SIGTERM', async () => {
      const { child, address, exited } = await startServe(process.execPath, [cli, 'serve']);
      const health = await fetch(`http://${address}/health`);
      expect(health.status).toBe(200);
      expect(await health.text()).toBe('imgproxy is running');
      expect((await run(['health'], { IMGPROXY_BIND: address })).code).toBe(0);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    });

    // scripts/serve.sh is how `pnpm start` (and the benchmark) runs the server: tcmalloc preloaded
    // when Debian's libtcmalloc-minimal4 is installed (scripts/test.sh installs it), glibc's malloc
    // with 2 arenas per CPU otherwise or when LD_PRELOAD is set empty.
    const serveSh = fileURLToPath(new URL('../../../scripts/serve.sh', import.meta.url));
    const tcmalloc = ['x86_64', 'aarch64']
      .map((arch) => `/usr/lib/${arch}-linux-gnu/libtcmalloc_minimal.so.4`)
      .some((f) => existsSync(f));
    it.each([
      ['the default', {}, tcmalloc],
      ['LD_PRELOAD set empty', { LD_PRELOAD: '' }, false],
    ])('scripts/serve.sh with %s picks the allocator and serves an image', async (_, env, preloaded) => {
      const { child, address, pixelWorkers, allocator, exited } = await startServe('bash', [serveSh], {
        ...env,
        IMGPROXY_LOCAL_FILESYSTEM_ROOT: samples,
      });
      try {
        const res = await fetch(`http://${address}/unsafe/rs:fit:64:64/plain/local:///ladybird.jpg@png`);
        expect(res.status).toBe(200);
        expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(100);
        // bash execs node: the child's pid is the server's.
        const maps = readFileSync(`/proc/${child.pid}/maps`, 'utf8');
        expect(maps.includes('libtcmalloc_minimal')).toBe(preloaded);
        // The startup line says what the server runs on, and how many images it decodes at once.
        expect(allocator).toBe(preloaded ? 'tcmalloc' : 'glibc');
        expect(pixelWorkers).toBe(availableParallelism());
        const environ = readFileSync(`/proc/${child.pid}/environ`, 'utf8').split('\0');
        expect(environ).toContain(`MALLOC_ARENA_MAX=${2 * availableParallelism()}`);
      } finally {
        child.kill('SIGTERM');
      }
      expect(await exited).toBe(0);
    });
  });
});
