import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { warmCommand } from './cache-cli.js';
import { loadConfig } from './config/index.js';
import { CACHE_BACKENDS } from './test/backends.js';
import { type Origin, serveBytes, startOrigin } from './test/origin.js';
import { startTestServer } from './test/server.js';

/** `tintype warm` and `tintype purge`, run as the built CLI against fs and every remote backend. */
const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
let origin: Origin;
let n = 0;
const fresh = (name: string) => `/${name}-${++n}.jpg`;

beforeAll(async () => {
  if (!existsSync(cli))
    throw new Error(`${cli} is missing: build the server first (pnpm --filter @tintype/server build)`);
  const photo = await sharp({ create: { width: 300, height: 200, channels: 3, background: '#884422' } })
    .jpeg()
    .toBuffer();
  origin = await startOrigin();
  origin.route('/photo.jpg', serveBytes(photo));
  for (let i = 0; i < 40; i++) origin.route(`/warm-${i}.jpg`, serveBytes(photo));
});
afterAll(() => origin.close());

// What the storage SDKs read besides IMGPROXY_* (credentials, checksum mode, no metadata server).
const sdkEnv = () => {
  const e = process.env;
  const pick = (names: string[]) =>
    Object.fromEntries(names.filter((k) => e[k] !== undefined).map((k) => [k, e[k]!]));
  return {
    ...pick([
      'AWS_REQUEST_CHECKSUM_CALCULATION',
      'AWS_RESPONSE_CHECKSUM_VALIDATION',
      'AWS_EC2_METADATA_DISABLED',
      'METADATA_SERVER_DETECTION',
    ]),
    ...(e.TEST_S3_KEY
      ? { AWS_ACCESS_KEY_ID: e.TEST_S3_KEY, AWS_SECRET_ACCESS_KEY: e.TEST_S3_SECRET ?? '' }
      : {}),
  };
};

function run(args: string[], env: Record<string, string>, stdin = '') {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    const child = execFile(
      process.execPath,
      [cli, ...args],
      { env: { PATH: process.env.PATH, ...sdkEnv(), ...env } },
      (error, stdout, stderr) => {
        resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
      },
    );
    child.stdin?.end(stdin);
  });
}

describe.each(CACHE_BACKENDS)('$kind: tintype warm and purge', (b) => {
  it.skipIf(!b.ready)('warms a list, skips what is cached, and purges a source', async () => {
    const vars = { ...(await b.env()), IMGPROXY_ALLOW_LOOPBACK_SOURCE_ADDRESSES: 'true' };
    const path = fresh('cli');
    origin.route(
      path,
      serveBytes(
        await sharp({ create: { width: 90, height: 60, channels: 3, background: '#123456' } })
          .png()
          .toBuffer(),
      ),
    );
    const src = `${origin.url}${path}`;
    const list = join(mkdtempSync(join(tmpdir(), 'tintype-warm-')), 'urls.txt');
    writeFileSync(
      list,
      [
        '# two variants and a broken URL',
        `/unsafe/w:40/plain/${src}`,
        `http://cdn.example.com/unsafe/w:50/plain/${src}@webp`,
        `/unsafe/w:40/plain/${origin.url}/missing.jpg`,
        '',
      ].join('\n'),
    );

    const first = await run(['warm', list, '--concurrency', '2'], vars);
    expect(first.stdout).toContain('done 2, skipped 0 (already cached), failed 1, of 3');
    expect(first.stdout).toMatch(/^failed 404 \/unsafe\/w:40\/plain\/.*missing\.jpg$/m);
    expect(first.code).toBe(1);

    // From stdin this time: everything that worked is already there.
    const again = await run(['warm'], vars, `/unsafe/w:40/plain/${src}\n/unsafe/w:50/plain/${src}@webp\n`);
    expect(again.stdout).toContain('done 0, skipped 2 (already cached), failed 0, of 2');
    expect(again.code).toBe(0);

    const server = await startTestServer({ ...vars, IMGPROXY_ENABLE_DEBUG_HEADERS: 'true' });
    try {
      const xcache = async (p: string) => (await server.get(p)).headers.get('x-cache');
      expect(await xcache(`/unsafe/w:40/plain/${src}`)).toBe('HIT');
      await server.stop();

      const purged = await run(['purge', '--source', src], vars);
      expect(purged).toMatchObject({ code: 0, stdout: 'deleted 2\n' });
      const after = await startTestServer({ ...vars, IMGPROXY_ENABLE_DEBUG_HEADERS: 'true' });
      try {
        expect((await after.get(`/unsafe/w:40/plain/${src}`)).headers.get('x-cache')).toBe('MISS');
        expect((await after.get(`/unsafe/w:50/plain/${src}@webp`)).headers.get('x-cache')).toBe('MISS');
      } finally {
        await after.stop();
      }
    } finally {
      await server.stop();
    }
  });
});

describe('tintype purge', () => {
  it('purges one URL, or through running servers so their memory forgets too', async () => {
    const vars = {
      ...(await CACHE_BACKENDS[0]!.env()),
      IMGPROXY_ALLOW_LOOPBACK_SOURCE_ADDRESSES: 'true',
      IMGPROXY_ENABLE_DEBUG_HEADERS: 'true',
      IMGPROXY_PURGE_SECRET: 'cli-secret',
    };
    const server = await startTestServer(vars);
    try {
      const one = `/unsafe/w:33/plain/${origin.url}/photo.jpg`;
      const two = `/unsafe/w:34/plain/${origin.url}/photo.jpg`;
      for (const p of [one, two]) await (await server.get(p)).arrayBuffer();
      await server.running.flush();
      const viaServer = await run(['purge', '--url', one, '--server', server.url], vars);
      expect(viaServer).toMatchObject({ code: 0, stdout: `${server.url}: deleted 1\n` });
      expect((await server.get(one)).headers.get('x-cache')).toBe('MISS');
      expect((await server.get(two)).headers.get('x-cache')).toBe('HIT');

      const direct = await run(['purge', '--url', two], vars);
      expect(direct).toMatchObject({ code: 0, stdout: 'deleted 1\n' });
      expect((await run(['purge'], vars)).code).toBe(2);
      expect((await run(['purge', '--source', 'http://x/y.jpg'], { IMGPROXY_CACHE_USE: '' })).code).toBe(1);
    } finally {
      await server.stop();
    }
  });
});

describe('tintype warm against a running server', () => {
  it('draws a progress bar on a terminal and keeps concurrency bounded', async () => {
    const server = await startTestServer({
      ...(await CACHE_BACKENDS[0]!.env()),
      IMGPROXY_ALLOW_LOOPBACK_SOURCE_ADDRESSES: 'true',
      IMGPROXY_ENABLE_DEBUG_HEADERS: 'true',
    });
    try {
      let inFlight = 0;
      let most = 0;
      const paths = Array.from({ length: 40 }, (_, i) => `/warm-${i}.jpg`);
      for (const p of paths)
        origin.route(p, (req, res) => {
          most = Math.max(most, ++inFlight);
          res.once('finish', () => inFlight--);
          serveBytes(Buffer.alloc(0))(req, res);
        });
      const stdin = new PassThrough();
      stdin.end(paths.map((p) => `/unsafe/w:20/plain/${origin.url}${p}`).join('\n'));
      let stdout = '';
      let stderr = '';
      const sink = (write: (s: string) => void) =>
        new Writable({
          write(chunk, _enc, cb) {
            write(String(chunk));
            cb();
          },
        });
      const tty = Object.assign(
        sink((s) => {
          stderr += s;
        }),
        { isTTY: true },
      ) as unknown as NodeJS.WriteStream;
      const code = await warmCommand(
        {},
        loadConfig({}).config,
        { concurrency: 3, server: server.url },
        {
          stdin,
          stdout: sink((s) => {
            stdout += s;
          }),
          stderr: tty,
        },
      );
      // Empty bodies are not images: every one fails, which shows the failure listing too.
      expect(code).toBe(1);
      expect(stderr).toContain('\r[');
      expect(stderr).toContain('] 40/40  done 0  skipped 0  failed 40');
      expect(stderr).toMatch(/^failed 422 /m);
      expect(stdout).toContain('done 0, skipped 0 (already cached), failed 40, of 40');
      expect(most).toBeLessThanOrEqual(3);
      expect(most).toBeGreaterThan(0);
    } finally {
      await server.stop();
    }
  });
});
