import { rmSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CACHE_BACKENDS, startBackendProxy } from './test/backends.js';
import { counter, until } from './test/metrics.js';
import { type Origin, serveBytes, startOrigin } from './test/origin.js';
import { startTestServer, type TestServer } from './test/server.js';

/**
 * Work done once: coalesced misses, shared source downloads, the memory tier, bypass and
 * conditional requests, over HTTP against fs and every remote backend whose server runs.
 * Origin requests are counted at the origin.
 */
let origin: Origin;
let photo: Buffer;
let n = 0;
/** A fresh source path per test, so each starts with a cold cache and a cold source. */
const fresh = (name: string) => `/${name}-${++n}.jpg`;
const hits = (path: string) => origin.hits.get(path) ?? 0;

/** An origin route that holds every answer until `open()` is called. */
function heldRoute(data: Buffer) {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    opened.then(() => serveBytes(data)(req, res));
  };
  return { handler, open };
}

beforeAll(async () => {
  photo = await sharp({ create: { width: 400, height: 300, channels: 3, background: '#2a6f3e' } })
    .jpeg()
    .toBuffer();
  origin = await startOrigin();
});
afterAll(() => origin.close());

const base = {
  IMGPROXY_ALLOW_LOOPBACK_SOURCE_ADDRESSES: 'true',
  IMGPROXY_ENABLE_DEBUG_HEADERS: 'true',
  IMGPROXY_PROMETHEUS_BIND: 'localhost:0',
};

describe.each(CACHE_BACKENDS)('$kind: work done once', (b) => {
  let server: TestServer;
  beforeAll(async () => {
    if (!b.ready) return;
    server = await startTestServer({ ...base, ...(await b.env()), IMGPROXY_ALLOW_BYPASS_CACHE: 'true' });
  });
  afterAll(() => server?.stop());

  it.skipIf(!b.ready)('makes one origin request for 50 concurrent identical misses', async () => {
    const path = fresh('coalesce');
    const held = heldRoute(photo);
    origin.route(path, held.handler);
    const coalesced = () => counter(server, 'cache_coalesced_total', { backend: b.kind });
    const before = await coalesced();
    const url = `/unsafe/rs:fit:100:100/plain/${origin.url}${path}`;
    const answers = Array.from({ length: 50 }, () => server.get(url));
    // The origin holds its answer until every other request has joined the first one's job.
    await until(async () => (await coalesced()) - before === 49);
    held.open();
    const bodies = await Promise.all(
      answers.map(async (a) => {
        const res = await a;
        expect(res.status).toBe(200);
        expect(res.headers.get('x-cache')).toBe('MISS');
        return Buffer.from(await res.arrayBuffer());
      }),
    );
    expect(hits(path)).toBe(1);
    for (const body of bodies) expect(body.equals(bodies[0]!)).toBe(true);
    expect((await sharp(bodies[0]).metadata()).width).toBe(100);
  });

  it.skipIf(!b.ready)('lets a waiter leave without cancelling the others', async () => {
    const path = fresh('leave');
    const held = heldRoute(photo);
    origin.route(path, held.handler);
    const url = `/unsafe/w:90/plain/${origin.url}${path}`;
    const leaving = new AbortController();
    // The one that started the job leaves: its job is everyone's, and must go on.
    const first = server.get(url, { signal: leaving.signal }).catch((e: Error) => e);
    await until(() => hits(path) === 1);
    const coalesced = await counter(server, 'cache_coalesced_total', { backend: b.kind });
    const staying = server.get(url);
    await until(
      async () => (await counter(server, 'cache_coalesced_total', { backend: b.kind })) > coalesced,
    );
    leaving.abort();
    expect(await first).toBeInstanceOf(Error);
    await until(() => server.logs.some((l) => l.status === 499));
    held.open();
    const res = await staying;
    expect(res.status).toBe(200);
    expect((await sharp(Buffer.from(await res.arrayBuffer())).metadata()).width).toBe(90);
    expect(hits(path)).toBe(1);
  });

  it.skipIf(!b.ready)('forgets a failed job: the next request retries', async () => {
    const path = fresh('flaky');
    let calls = 0;
    origin.route(path, (req, res) => {
      if (++calls === 1) res.writeHead(500).end();
      else serveBytes(photo)(req, res);
    });
    const url = `/unsafe/w:80/plain/${origin.url}${path}`;
    expect((await server.get(url)).status).toBe(502);
    const res = await server.get(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-cache')).toBe('MISS');
    expect(hits(path)).toBe(2);
  });

  it.skipIf(!b.ready)('downloads a source once for four sizes asked together and after', async () => {
    const path = fresh('sizes');
    const held = heldRoute(photo);
    origin.route(path, held.handler);
    const sizes = [64, 128, 200, 320];
    const answers = sizes.map((w) => server.get(`/unsafe/w:${w}/plain/${origin.url}${path}`));
    await until(() => hits(path) === 1);
    held.open();
    for (const [i, a] of answers.entries()) {
      const res = await a;
      expect(res.headers.get('x-cache')).toBe('MISS');
      expect((await sharp(Buffer.from(await res.arrayBuffer())).metadata()).width).toBe(sizes[i]);
    }
    // In quick succession, a fifth size reuses the kept download.
    const fifth = await server.get(`/unsafe/w:32/plain/${origin.url}${path}`);
    expect(fifth.status).toBe(200);
    expect(hits(path)).toBe(1);
  });

  it.skipIf(!b.ready)('downloads afresh for bypass_cache, which never reads the cache', async () => {
    const path = fresh('bypass');
    origin.route(path, serveBytes(photo));
    const url = (o: string) => `/unsafe/w:70${o}/plain/${origin.url}${path}`;
    expect((await server.get(url(''))).headers.get('x-cache')).toBe('MISS');
    await server.running.flush();
    const bypassed = await server.get(url('/bc:1'));
    expect(bypassed.status).toBe(200);
    expect(bypassed.headers.get('x-cache')).toBe('BYPASS');
    expect(hits(path)).toBe(2);
    expect((await server.get(url(''))).headers.get('x-cache')).toBe('HIT');
    expect(await counter(server, 'cache_bypasses_total', { backend: b.kind })).toBeGreaterThan(0);
  });
});

describe.each(CACHE_BACKENDS)('$kind: answers from the cache alone', (b) => {
  it.skipIf(!b.ready)('answers If-None-Match with 304 from the cache, without the source', async () => {
    const server = await startTestServer({ ...base, ...(await b.env()), IMGPROXY_CACHE_MEMORY_SIZE: '0' });
    try {
      const path = fresh('etag');
      origin.route(path, serveBytes(photo));
      const url = `/unsafe/w:60/plain/${origin.url}${path}`;
      const first = await server.get(url);
      const etag = first.headers.get('etag');
      expect(etag).toMatch(/^".+"$/);
      await first.arrayBuffer();
      await server.running.flush();
      const conditional = await server.get(url, { headers: { 'if-none-match': etag! } });
      expect(conditional.status).toBe(304);
      expect(conditional.headers.get('x-cache')).toBe('HIT');
      expect(conditional.headers.get('etag')).toBe(etag);
      expect(await conditional.text()).toBe('');
      const other = await server.get(url, { headers: { 'if-none-match': '"something-else"' } });
      expect(other.status).toBe(200);
      expect(other.headers.get('x-cache')).toBe('HIT');
      expect(hits(path)).toBe(1);
    } finally {
      await server.stop();
    }
  });

  it.skipIf(!b.ready)('serves hot variants from memory with the backend gone', async () => {
    const vars = await b.env({ IMGPROXY_CACHE_MEMORY_SIZE: '8' });
    const proxy = b.endpointVar ? await startBackendProxy(vars[b.endpointVar]!) : undefined;
    if (proxy && b.endpointVar) vars[b.endpointVar] = proxy.url;
    const server = await startTestServer({ ...base, ...vars });
    try {
      const path = fresh('memory');
      origin.route(path, serveBytes(photo));
      const url = `/unsafe/w:50/plain/${origin.url}${path}`;
      const first = await server.get(url);
      expect(first.headers.get('x-cache')).toBe('MISS');
      const bytes = Buffer.from(await first.arrayBuffer());
      await server.running.flush();
      // Take the backend away: a stopped server behind the proxy, a deleted directory on fs.
      if (proxy) proxy.down = true;
      if (b.kind === 'fs') rmSync(vars.IMGPROXY_CACHE_FS_ROOT!, { recursive: true });
      const reads = proxy?.requests;
      // The proxy did carry the backend's traffic until then.
      if (proxy) expect(reads).toBeGreaterThan(0);
      const backendLookups = () =>
        counter(server, 'cache_duration_seconds_count', { backend: b.kind, result: 'miss' }).then(
          async (m) => m + (await counter(server, 'cache_errors_total', { backend: b.kind })),
        );
      const lookupsBefore = await backendLookups();
      for (let i = 0; i < 3; i++) {
        const res = await server.get(url);
        expect(res.headers.get('x-cache')).toBe('HIT');
        expect(Buffer.from(await res.arrayBuffer()).equals(bytes)).toBe(true);
      }
      expect(proxy?.requests).toBe(reads);
      expect(await backendLookups()).toBe(lookupsBefore);
      expect(await counter(server, 'cache_hits_total', { backend: 'memory' })).toBe(3);
      expect(hits(path)).toBe(1);
    } finally {
      await server.stop();
      await proxy?.close();
    }
  });
});

describe('source reuse boundaries', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      ...base,
      IMGPROXY_COOKIE_PASSTHROUGH: 'true',
      IMGPROXY_ALLOW_SECURITY_OPTIONS: 'true',
    });
  });
  afterAll(() => server.stop());

  it('never shares a download between different forwarded cookies', async () => {
    const path = fresh('cookies');
    origin.route(path, serveBytes(photo));
    const get = (w: number, cookie: string) =>
      server.get(`/unsafe/w:${w}/plain/${origin.url}${path}`, { headers: { cookie } });
    expect((await get(40, 'session=alice')).status).toBe(200);
    expect((await get(41, 'session=alice')).status).toBe(200);
    expect(hits(path)).toBe(1);
    expect((await get(42, 'session=bob')).status).toBe(200);
    expect(hits(path)).toBe(2);
  });

  it('holds a kept download to each request’s max_src_file_size', async () => {
    const path = fresh('limit');
    origin.route(path, serveBytes(photo));
    expect((await server.get(`/unsafe/w:40/plain/${origin.url}${path}`)).status).toBe(200);
    const small = await server.get(`/unsafe/w:41/msfs:100/plain/${origin.url}${path}`);
    expect(small.status).toBe(422);
    expect(hits(path)).toBe(1);
  });

  it('can be turned off', async () => {
    const off = await startTestServer({ ...base, IMGPROXY_CACHE_SOURCE_SIZE: '0' });
    try {
      const path = fresh('off');
      origin.route(path, serveBytes(photo));
      for (const w of [30, 31])
        expect((await off.get(`/unsafe/w:${w}/plain/${origin.url}${path}`)).status).toBe(200);
      expect(hits(path)).toBe(2);
    } finally {
      await off.stop();
    }
  });
});
