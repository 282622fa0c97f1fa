import { createHmac } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Origin, serveBytes, startOrigin } from './test/origin.js';
import { startTestServer, type TestServer } from './test/server.js';

const b64 = (s: string) => Buffer.from(s).toString('base64url');
const hex = (s: string) => Buffer.from(s).toString('hex');
const signer = (key: string, salt: string) => (path: string) =>
  `/${createHmac('sha256', key).update(salt).update(path).digest('base64url')}${path}`;

let origin: Origin;
let photo: Buffer;
const count = () => origin.hits.get('/photo.jpg') ?? 0;

beforeAll(async () => {
  photo = await sharp({ create: { width: 640, height: 480, channels: 3, background: '#3366cc' } })
    .jpeg()
    .toBuffer();
  origin = await startOrigin({ '/photo.jpg': serveBytes(photo) });
});
afterAll(() => origin.close());

const cacheEnv = (root = mkdtempSync(join(tmpdir(), 'tintype-cache-'))) => ({
  IMGPROXY_ALLOW_LOOPBACK_SOURCE_ADDRESSES: 'true',
  IMGPROXY_CACHE_USE: 'fs',
  IMGPROXY_CACHE_FS_ROOT: root,
  IMGPROXY_ENABLE_DEBUG_HEADERS: 'true',
  // Origin counts here measure the result cache alone, without source reuse (cache-sharing.test.ts).
  IMGPROXY_CACHE_SOURCE_SIZE: '0',
});

async function body(res: Response) {
  expect(res.status).toBe(200);
  return Buffer.from(await res.arrayBuffer());
}

describe('internal cache over HTTP (fs)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      ...cacheEnv(),
      IMGPROXY_CACHE_MEMORY_SIZE: '0',
      IMGPROXY_AUTO_WEBP: 'true',
    });
  });
  afterAll(() => server.stop());

  it('answers a second identical request from the cache without contacting the source', async () => {
    const path = `/unsafe/rs:fit:120:120/plain/${origin.url}/photo.jpg?v=1`;
    const before = count();
    const first = await server.get(path);
    expect(first.headers.get('x-cache')).toBe('MISS');
    const a = await body(first);
    // Without the memory tier the entry lands in the backend just after the response.
    await server.running.flush();
    const second = await server.get(path);
    expect(second.headers.get('x-cache')).toBe('HIT');
    const b = await body(second);
    expect(b.equals(a)).toBe(true);
    expect(count()).toBe(before + 1);
    for (const h of ['content-type', 'content-length', 'etag', 'content-disposition', 'cache-control']) {
      expect(second.headers.get(h)).toBe(first.headers.get(h));
    }
  });

  it('refuses a URL once its expires time has passed, though the cache answered it before', async () => {
    // A URL answered from the cache is remembered parsed; one with `expires` must be checked on
    // every request, so the hit in between must not let it skip the time check afterwards.
    const exp = Math.floor(Date.now() / 1000) + 1;
    const url = `/unsafe/exp:${exp}/rs:fit:50:50/plain/${origin.url}/photo.jpg`;
    expect((await server.get(url)).status).toBe(200);
    await server.running.flush();
    const hit = await server.get(url);
    expect(hit.status).toBe(200);
    expect(hit.headers.get('x-cache')).toBe('HIT');
    while (Math.floor(Date.now() / 1000) <= exp) await new Promise((r) => setTimeout(r, 100));
    expect((await server.get(url)).status).toBe(404);
  });

  it('shares one entry among equivalent URLs', async () => {
    const before = count();
    const src = `${origin.url}/photo.jpg`;
    await body(await server.get(`/unsafe/rs:fit:130:100/plain/${src}@png`));
    await server.running.flush();
    for (const path of [
      `/unsafe/w:130/h:100/rt:fit/plain/${src}@png`,
      `/unsafe/resize:fit:130:100/${b64(src)}.png`,
      `/unsafe/h:100/resizing_type:fit/width:130/format:png/plain/${src}`,
      `/unsafe/rs:fit:130:100/exp:4102444800/fn:other/att:1/plain/${src}@png`,
    ]) {
      const res = await server.get(path);
      expect(res.headers.get('x-cache'), path).toBe('HIT');
      await body(res);
    }
    expect(count()).toBe(before + 1);
  });

  it('keeps formats, negotiated formats and options apart', async () => {
    const src = `${origin.url}/photo.jpg`;
    const paths = [
      [`/unsafe/w:140/plain/${src}@png`, {}],
      [`/unsafe/w:140/plain/${src}@jpg`, {}],
      [`/unsafe/w:140/plain/${src}`, {}],
      [`/unsafe/w:140/plain/${src}`, { accept: 'image/webp' }],
      [`/unsafe/w:141/plain/${src}`, {}],
      [`/unsafe/w:140/cb:2/plain/${src}`, {}],
    ] as const;
    const types = [];
    for (const [path, headers] of paths) {
      const res = await server.get(path, { headers });
      expect(res.headers.get('x-cache'), path).toBe('MISS');
      types.push(res.headers.get('content-type'));
      await body(res);
    }
    expect(types[3]).toBe('image/webp');
    expect(types[2]).toBe('image/jpeg');
  });
});

describe('cache key headers and cookies', () => {
  it('keys on the named headers and cookies only', async () => {
    const server = await startTestServer({
      ...cacheEnv(),
      IMGPROXY_CACHE_KEY_HEADERS: 'X-Tenant',
      IMGPROXY_CACHE_KEY_COOKIES: 'plan',
    });
    try {
      const path = `/unsafe/w:90/plain/${origin.url}/photo.jpg`;
      const get = (headers: Record<string, string>) =>
        server.get(path, { headers }).then((r) => r.headers.get('x-cache'));
      expect(await get({ 'x-tenant': 'a', cookie: 'plan=free' })).toBe('MISS');
      expect(await get({ 'x-tenant': 'a', cookie: 'plan=free; other=1', 'x-other': 'z' })).toBe('HIT');
      expect(await get({ 'x-tenant': 'b', cookie: 'plan=free' })).toBe('MISS');
      expect(await get({ 'x-tenant': 'a', cookie: 'plan=pro' })).toBe('MISS');
    } finally {
      await server.stop();
    }
  });
});

describe('key rotation', () => {
  it('keeps cached results across a key/salt rotation, and refuses retired keys', async () => {
    const root = mkdtempSync(join(tmpdir(), 'tintype-rotate-'));
    const signA = signer('keyA', 'saltA');
    const signB = signer('keyB', 'saltB');
    const path = `/rs:fill:77:77/plain/${origin.url}/photo.jpg`;
    const before = count();

    const a = await startTestServer({
      ...cacheEnv(root),
      IMGPROXY_KEY: hex('keyA'),
      IMGPROXY_SALT: hex('saltA'),
    });
    const original = await body(await a.get(signA(path)));
    await a.stop();

    const both = await startTestServer({
      ...cacheEnv(root),
      IMGPROXY_KEY: `${hex('keyB')},${hex('keyA')}`,
      IMGPROXY_SALT: `${hex('saltB')},${hex('saltA')}`,
    });
    const viaB = await both.get(signB(path));
    expect(viaB.headers.get('x-cache')).toBe('HIT');
    expect((await body(viaB)).equals(original)).toBe(true);
    expect((await both.get(signA(path))).headers.get('x-cache')).toBe('HIT');
    await both.stop();

    const onlyB = await startTestServer({
      ...cacheEnv(root),
      IMGPROXY_KEY: hex('keyB'),
      IMGPROXY_SALT: hex('saltB'),
    });
    expect((await onlyB.get(signA(path))).status).toBe(403);
    const again = await onlyB.get(signB(path));
    expect(again.headers.get('x-cache')).toBe('HIT');
    await body(again);
    await onlyB.stop();
    expect(count()).toBe(before + 1);
  });
});

describe('two servers sharing one cache', () => {
  it('serves from the second what the first computed', async () => {
    const root = mkdtempSync(join(tmpdir(), 'tintype-shared-'));
    const [one, two] = await Promise.all([startTestServer(cacheEnv(root)), startTestServer(cacheEnv(root))]);
    try {
      const path = `/unsafe/rs:fit:66:66/plain/${origin.url}/photo.jpg`;
      const before = count();
      const first = await body(await one.get(path));
      // The first server writes after answering; wait for its writes to land.
      await one.running.flush();
      const res = await two.get(path);
      expect(res.headers.get('x-cache')).toBe('HIT');
      expect((await body(res)).equals(first)).toBe(true);
      expect(count()).toBe(before + 1);
    } finally {
      await Promise.all([one.stop(), two.stop()]);
    }
  });
});

describe('a broken cache backend', () => {
  it('still serves images, and counts and logs the failure', async () => {
    const notADir = join(mkdtempSync(join(tmpdir(), 'tintype-broken-')), 'file');
    writeFileSync(notADir, 'this is a file, not a directory');
    const server = await startTestServer(cacheEnv(notADir));
    try {
      const path = `/unsafe/w:55/plain/${origin.url}/photo.jpg`;
      await body(await server.get(path));
      await server.running.flush();
      await body(await server.get(path));
      expect(server.logs.some((l) => String(l.msg).includes('cache put failed'))).toBe(true);
    } finally {
      await server.stop();
    }
  });

  it('fails requests with IMGPROXY_CACHE_REPORT_ERRORS=true', async () => {
    const notADir = join(mkdtempSync(join(tmpdir(), 'tintype-broken-')), 'file');
    writeFileSync(notADir, 'x');
    const server = await startTestServer({ ...cacheEnv(notADir), IMGPROXY_CACHE_REPORT_ERRORS: 'true' });
    try {
      const res = await server.get(`/unsafe/w:56/plain/${origin.url}/photo.jpg`);
      expect(res.status).toBe(500);
      expect(await res.text()).toBe('Cache error');
    } finally {
      await server.stop();
    }
  });
});

describe('memory tier', () => {
  it('answers hot variants from memory when the backend entry is gone', async () => {
    const server = await startTestServer({ ...cacheEnv(), IMGPROXY_CACHE_MEMORY_SIZE: '8' });
    try {
      const path = `/unsafe/w:44/plain/${origin.url}/photo.jpg`;
      const before = count();
      await body(await server.get(path));
      const res = await server.get(path);
      expect(res.headers.get('x-cache')).toBe('HIT');
      await body(res);
      expect(count()).toBe(before + 1);
    } finally {
      await server.stop();
    }
  });
});
