import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { get, type IncomingHttpHeaders } from 'node:http';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePrometheusText, sample } from './metrics/test-prometheus-text.js';
import { until } from './test/metrics.js';
import { type Origin, serveBytes, startOrigin } from './test/origin.js';
import { exited, type ServerProcess, spawnServer } from './test/process.js';

/** A GET on a connection of its own, so that the primary hands each request to the next worker. */
function fresh(url: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
    get(url, { agent: false, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }),
      );
    }).on('error', reject);
  });
}

/** Pids of a process's children, from /proc. */
function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        // Field 4 of /proc/<pid>/stat is the parent pid; field 2 (the name) is in parentheses.
        return Number(readFileSync(`/proc/${d}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]) === pid;
      } catch {
        return false; // gone meanwhile
      }
    })
    .map(Number);
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

const image = (background: string) =>
  sharp({ create: { width: 800, height: 600, channels: 3, background } })
    .jpeg()
    .toBuffer();

// Processes start, fork and process images: generous timeouts for a loaded machine (nothing timed).
describe('IMGPROXY_PROCESSES=2: one server in two processes', { timeout: 60_000 }, () => {
  let origin: Origin;
  let server: ServerProcess;
  let metricsUrl: string;
  let photo: Buffer;
  const path = '/unsafe/rs:fit:200:200/plain/SRC/photo.jpg@png';

  beforeAll(async () => {
    photo = await image('#c02020');
    const metricsPort = await freePort();
    origin = await startOrigin({ '/photo.jpg': (req, res) => serveBytes(photo)(req, res) });
    server = await spawnServer({
      IMGPROXY_PROCESSES: '2',
      IMGPROXY_ALLOW_LOOPBACK_SOURCE_ADDRESSES: 'true',
      IMGPROXY_CACHE_USE: 'fs',
      IMGPROXY_CACHE_FS_ROOT: mkdtempSync(join(tmpdir(), 'tintype-cluster-')),
      IMGPROXY_CACHE_MEMORY_SIZE: '16',
      IMGPROXY_ENABLE_DEBUG_HEADERS: 'true',
      IMGPROXY_PURGE_SECRET: 'purge-secret',
      IMGPROXY_PROMETHEUS_BIND: `127.0.0.1:${metricsPort}`,
    });
    metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
    await until(() => server.output().includes('Prometheus metrics on'));
  }, 60_000);
  afterAll(async () => {
    server?.child.kill('SIGKILL');
    await origin.close();
  });

  const url = () => server.url + path.replace('SRC', origin.url);

  it('runs two workers under the primary, and reports the requests of both in one /metrics', async () => {
    await until(() => childrenOf(server.child.pid!).length === 2);
    const before = sample(parsePrometheusText(await (await fetch(metricsUrl)).text()), 'requests_total', {});
    for (let i = 0; i < 6; i++) expect((await fresh(url())).status).toBe(200);
    const after = sample(parsePrometheusText(await (await fetch(metricsUrl)).text()), 'requests_total', {});
    // Round robin gave each worker three: a scrape of one worker alone would say 3.
    expect((after ?? 0) - (before ?? 0)).toBe(6);
  });

  it('a purge reaches the memory tier of every process', async () => {
    const first = await fresh(url());
    for (let i = 0; i < 5; i++) {
      const again = await fresh(url());
      expect(again.headers['x-cache']).toBe('HIT');
      expect(again.headers.etag).toBe(first.headers.etag);
    }
    // The origin's image changes; after the purge, no process may answer the old result.
    photo = await image('#2040c0');
    const purge = await fetch(
      `${server.url}/_tintype/purge?source=${encodeURIComponent(`${origin.url}/photo.jpg`)}`,
      { method: 'POST', headers: { authorization: 'Bearer purge-secret' } },
    );
    expect(purge.status).toBe(200);
    for (let i = 0; i < 6; i++) {
      const after = await fresh(url());
      expect(after.status).toBe(200);
      expect(after.headers.etag).not.toBe(first.headers.etag);
      const { dominant } = await sharp(after.body).stats();
      expect(dominant.b).toBeGreaterThan(dominant.r);
    }
  });

  it('replaces a worker that dies, and keeps serving', async () => {
    const before = childrenOf(server.child.pid!);
    expect(before).toHaveLength(2);
    process.kill(before[0]!, 'SIGKILL');
    await until(() => {
      const now = childrenOf(server.child.pid!);
      return now.length === 2 && !now.includes(before[0]!);
    });
    for (let i = 0; i < 4; i++) expect((await fresh(url())).status).toBe(200);
  });

  it('stops every worker on SIGTERM, and exits 0', async () => {
    const workers = childrenOf(server.child.pid!);
    server.child.kill('SIGTERM');
    expect(await exited(server.child)).toBe(0);
    expect(workers.filter(alive)).toEqual([]);
  });
});

describe('IMGPROXY_PROCESSES=2 on a port that is taken', () => {
  let taken: Server;
  beforeAll(async () => {
    taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  });
  afterAll(() => new Promise<void>((resolve) => taken.close(() => resolve())));

  it('stops with an error instead of restarting workers forever', async () => {
    const { port } = taken.address() as { port: number };
    await expect(
      spawnServer({ IMGPROXY_PROCESSES: '2', IMGPROXY_BIND: `127.0.0.1:${port}` }),
    ).rejects.toThrow(/server exited with [1-9]/);
  });
});
