import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REUSE_PORT_SUPPORTED } from './listen.js';
import { type Origin, serveBytes, startOrigin } from './test/origin.js';
import { startTestServer, type TestServer } from './test/server.js';

const loopback = { IMGPROXY_ALLOW_LOOPBACK_SOURCE_ADDRESSES: 'true' };

/** Polls until `check` holds; the test's own timeout bounds the wait. */
async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 10));
}

/** A raw client (TCP `host:port` or a unix socket path): what it received, and whether the server closed it. */
function rawClient(address: string) {
  const colon = address.lastIndexOf(':');
  const socket: Socket =
    colon < 0
      ? connect({ path: address })
      : connect({ host: address.slice(0, colon), port: Number(address.slice(colon + 1)) });
  const state = { data: Buffer.alloc(0), bytes: 0, closed: false, socket };
  socket.on('data', (d) => {
    state.bytes += d.length;
    if (state.data.length < 4096) state.data = Buffer.concat([state.data, d]);
  });
  socket.on('error', () => {});
  socket.on('close', () => {
    state.closed = true;
  });
  return state;
}

let png: Buffer;
let origin: Origin;
const held: (() => void)[] = [];
const releaseHeld = () => {
  for (const go of held.splice(0)) go();
};
beforeAll(async () => {
  png = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#f80' } })
    .png()
    .toBuffer();
  origin = await startOrigin({ '/small.png': serveBytes(png, 'image/png') });
  // Answers only when the test says so.
  origin.route('/held.png', (req, res) => {
    held.push(() => serveBytes(png, 'image/png')(req, res));
  });
});
afterAll(async () => {
  releaseHeld();
  await origin.close();
});
const hits = (path: string) => origin.hits.get(path) ?? 0;

describe('IMGPROXY_WORKERS and IMGPROXY_REQUESTS_QUEUE_SIZE', () => {
  it('answers 429 when every worker is busy and the queue is full, and serves the rest', async () => {
    const server = await startTestServer({
      ...loopback,
      IMGPROXY_WORKERS: '1',
      IMGPROXY_REQUESTS_QUEUE_SIZE: '1',
    });
    try {
      const before = hits('/held.png');
      const a = server.get(`/unsafe/w:10/plain/${origin.url}/held.png`);
      await until(() => hits('/held.png') > before);
      // The worker is busy: one of these two waits in the queue, the other is turned away.
      const b = server.get(`/unsafe/w:11/plain/${origin.url}/small.png`).then((r) => r.status);
      const c = server.get(`/unsafe/w:12/plain/${origin.url}/small.png`).then((r) => r.status);
      expect(await Promise.race([b, c])).toBe(429);
      releaseHeld();
      expect((await a).status).toBe(200);
      expect((await Promise.all([b, c])).sort()).toEqual([200, 429]);
    } finally {
      releaseHeld();
      await server.stop();
    }
  });
});

describe('IMGPROXY_TIMEOUT', () => {
  it('is a 503 on time, while the source still holds the download', async () => {
    const server = await startTestServer({
      ...loopback,
      IMGPROXY_TIMEOUT: '1',
      IMGPROXY_DOWNLOAD_TIMEOUT: '30',
    });
    try {
      const res = await server.get(`/unsafe/w:20/plain/${origin.url}/held.png`);
      expect([res.status, await res.text()]).toEqual([503, 'Timeout']);
      expect(held.length).toBeGreaterThan(0);
    } finally {
      releaseHeld();
      await server.stop();
    }
  });

  it('counts the time spent waiting for a worker', async () => {
    // A local:// source that is a FIFO: opening it blocks until a writer comes, and nothing can
    // abort that, so the one worker stays taken past every deadline until the test lets it go.
    const root = mkdtempSync(join(tmpdir(), 'tintype-fifo-'));
    const fifo = join(root, 'stuck.png');
    execFileSync('mkfifo', [fifo]);
    const server = await startTestServer({
      ...loopback,
      IMGPROXY_WORKERS: '1',
      IMGPROXY_TIMEOUT: '1',
      IMGPROXY_LOCAL_FILESYSTEM_ROOT: root,
    });
    try {
      // Its client gets the 503 at the deadline; the work goes on holding the worker.
      expect((await server.get('/unsafe/w:21/plain/local:///stuck.png')).status).toBe(503);
      const before = hits('/small.png');
      const queued = await server.get(`/unsafe/w:22/plain/${origin.url}/small.png`);
      expect([queued.status, await queued.text()]).toEqual([503, 'Timeout']);
      // It never left the queue: its source was not even asked for.
      expect(hits('/small.png')).toBe(before);
    } finally {
      await (await open(fifo, 'w')).close();
      await server.stop();
    }
  });
});

describe('IMGPROXY_MAX_CLIENTS', () => {
  it('closes connections over the cap, and accepts again when one leaves', async () => {
    const server = await startTestServer({ IMGPROXY_MAX_CLIENTS: '2' });
    const address = server.running.address;
    try {
      const first = rawClient(address);
      const second = rawClient(address);
      const connections = () =>
        new Promise<number>((r) => server.running.server.getConnections((_e, n) => r(n)));
      while ((await connections()) < 2) await new Promise((r) => setTimeout(r, 10));
      const third = rawClient(address);
      third.socket.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n');
      await until(() => third.closed);
      expect(third.bytes).toBe(0);
      first.socket.destroy();
      await until(() => first.closed);
      const res = await server.get('/health');
      expect(res.status).toBe(200);
      second.socket.destroy();
    } finally {
      await server.stop();
    }
  });
});

describe('IMGPROXY_SECRET', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ ...loopback, IMGPROXY_SECRET: 'correct-horse' });
  });
  afterAll(() => server.stop());

  it.each([
    [undefined, 403],
    ['Bearer correct-horse', 200],
    ['Bearer correct-hors', 403],
    ['Bearer correct-horsf', 403],
    ['bearer correct-horse', 403],
    ['correct-horse', 403],
    ['Basic correct-horse', 403],
  ])('Authorization %s answers %i', async (authorization, status) => {
    const headers: Record<string, string> = authorization ? { authorization } : {};
    const res = await server.get(`/unsafe/w:5/plain/${origin.url}/small.png`, { headers });
    expect(res.status).toBe(status);
  });

  it('leaves /health open', async () => {
    expect((await server.get('/health')).status).toBe(200);
  });
});

describe('server timeouts and sockets', () => {
  it('IMGPROXY_READ_REQUEST_TIMEOUT: a client trickling its headers is cut off, and holds no worker (slowloris)', async () => {
    const server = await startTestServer({
      ...loopback,
      IMGPROXY_READ_REQUEST_TIMEOUT: '1',
      IMGPROXY_WORKERS: '1',
    });
    const slow = Array.from({ length: 20 }, () => rawClient(server.running.address));
    const trickle = setInterval(() => {
      for (const c of slow) if (!c.closed) c.socket.write('X-Slow: 1\r\n');
    }, 100);
    try {
      for (const c of slow) c.socket.write('GET /health HTTP/1.1\r\nHost: x\r\n');
      // The one worker is free for a real request meanwhile.
      expect((await server.get(`/unsafe/w:30/plain/${origin.url}/small.png`)).status).toBe(200);
      await until(() => slow.every((c) => c.closed));
      for (const c of slow) expect(c.data.toString()).toMatch(/^HTTP\/1\.1 408/);
    } finally {
      clearInterval(trickle);
      await server.stop();
    }
  });

  // With tracing on, image requests go through Express, which swaps the response's prototype: the
  // limit must hold on both routes. Spans go to the test origin, which drops them.
  it.each([
    ['answered without Express', () => ({})],
    [
      'routed by Express',
      () => ({ IMGPROXY_OPEN_TELEMETRY_ENABLE: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: origin.url }),
    ],
  ])('IMGPROXY_WRITE_RESPONSE_TIMEOUT: a client that stops reading is cut off (%s)', async (_name, env) => {
    const big = randomBytes(16 * 1024 * 1024);
    origin.route('/big.bin', serveBytes(big, 'application/octet-stream'));
    origin.route('/v1/traces', serveBytes(Buffer.from('{}'), 'application/json'));
    // A unix socket, whose buffers are a few hundred KB: loopback TCP here may buffer 32 MB and
    // swallow the whole response.
    const path = join(mkdtempSync(join(tmpdir(), 'tintype-sock-')), 'write.sock');
    const server = await startTestServer({
      ...loopback,
      ...env(),
      IMGPROXY_WRITE_RESPONSE_TIMEOUT: '1',
      IMGPROXY_NETWORK: 'unix',
      IMGPROXY_BIND: path,
    });
    try {
      let responseClosed = false;
      server.running.server.once('request', (_req, res) => res.once('close', () => (responseClosed = true)));
      const client = rawClient(server.running.address);
      client.socket.pause();
      client.socket.write(`GET /unsafe/raw:1/plain/${origin.url}/big.bin HTTP/1.1\r\nHost: x\r\n\r\n`);
      // With the client reading nothing, the response can only end by the server giving up.
      await until(() => responseClosed);
      client.socket.resume();
      await until(() => client.closed);
      expect(client.bytes).toBeLessThan(big.length);
      expect(client.data.toString('latin1')).toMatch(/^HTTP\/1\.1 200/);
    } finally {
      await server.stop();
    }
  });

  it('IMGPROXY_KEEP_ALIVE_TIMEOUT: idle connections are closed after it', async () => {
    const server = await startTestServer({ IMGPROXY_KEEP_ALIVE_TIMEOUT: '1' });
    try {
      const client = rawClient(server.running.address);
      client.socket.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n');
      await until(() => client.data.includes('imgproxy is running'));
      expect(client.data.toString()).toMatch(/\r\nKeep-Alive: timeout=1\r\n/i);
      await until(() => client.closed);
    } finally {
      await server.stop();
    }
  });

  it('IMGPROXY_KEEP_ALIVE_TIMEOUT=0 turns keep-alive off', async () => {
    const server = await startTestServer({ IMGPROXY_KEEP_ALIVE_TIMEOUT: '0' });
    try {
      const client = rawClient(server.running.address);
      client.socket.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n');
      await until(() => client.closed);
      expect(client.data.toString()).toMatch(/\r\nConnection: close\r\n/i);
    } finally {
      await server.stop();
    }
  });

  it('IMGPROXY_NETWORK=unix listens on a unix socket, removed on stop', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'tintype-sock-')), 'tintype.sock');
    const server = await startTestServer({ IMGPROXY_NETWORK: 'unix', IMGPROXY_BIND: path });
    try {
      expect(server.running.address).toBe(path);
      const status = await new Promise<number>((resolve, reject) => {
        request({ socketPath: path, path: '/health' }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        })
          .on('error', reject)
          .end();
      });
      expect(status).toBe(200);
    } finally {
      await server.stop();
    }
    expect(existsSync(path)).toBe(false);
  });

  it('IMGPROXY_SO_REUSEPORT shares the port where Node can, and says so where it cannot', async () => {
    const first = await startTestServer({ IMGPROXY_SO_REUSEPORT: 'true' });
    try {
      const port = first.running.address.split(':').at(-1)!;
      if (REUSE_PORT_SUPPORTED) {
        const second = await startTestServer({
          IMGPROXY_SO_REUSEPORT: 'true',
          IMGPROXY_BIND: `127.0.0.1:${port}`,
        });
        await second.stop();
      } else {
        expect(first.logs.some((l) => String(l.msg).includes('IMGPROXY_SO_REUSEPORT is not supported'))).toBe(
          true,
        );
        await expect(
          startTestServer({ IMGPROXY_SO_REUSEPORT: 'true', IMGPROXY_BIND: `127.0.0.1:${port}` }),
        ).rejects.toThrow(/EADDRINUSE/);
      }
    } finally {
      await first.stop();
    }
  });
});
