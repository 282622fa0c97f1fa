import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Origin, serveBytes, startOrigin } from './test/origin.js';
import { startTestServer, type TestServer } from './test/server.js';

/** What no response body may contain: stack frames, error class names, errno codes, file paths. */
const INTERNALS = [
  /\bat .+:\d+:\d+/,
  /\.(?:ts|js):\d+/,
  /TintypeError|Error:/,
  /\bE[A-Z]{4,}\b/,
  /\/(?:tmp|proc|work|home)\//,
];

let origin: Origin;
let png: Buffer;
beforeAll(async () => {
  png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#123' } })
    .png()
    .toBuffer();
  origin = await startOrigin({
    '/ok.png': serveBytes(png, 'image/png'),
    '/broken.png': serveBytes(png.subarray(0, 40), 'image/png'),
    '/fail': (_req, res) =>
      res.writeHead(500, { 'x-internal': 'db-7.corp' }).end('stack trace of the origin'),
  });
});
afterAll(() => origin.close());

const b64 = (s: string) => Buffer.from(s).toString('base64url');
const secrets = [
  'hunter2',
  'alice',
  'tenant-secret-bucket',
  'sup3rs3cretKey',
  'db-7.corp',
  'stack trace of the origin',
];

function expectClean(body: string, extra: string[] = []) {
  for (const pattern of INTERNALS) expect(body).not.toMatch(pattern);
  for (const s of [...secrets, ...extra]) expect(body).not.toContain(s);
}

describe('error bodies never carry internals', () => {
  let server: TestServer;
  const root = mkdtempSync(join(tmpdir(), 'tintype-err-'));
  writeFileSync(join(root, 'not-an-image.png'), 'plain text, not a PNG');
  beforeAll(async () => {
    server = await startTestServer({
      IMGPROXY_ALLOW_LOOPBACK_SOURCE_ADDRESSES: 'true',
      IMGPROXY_LOCAL_FILESYSTEM_ROOT: root,
    });
  });
  afterAll(() => server.stop());

  it.each([
    ['credentials in an unreachable source', 'http://alice:hunter2@127.0.0.1:1/x.png', 404],
    ['an origin that fails with details', 'ORIGIN/fail', 502],
    ['a truncated image', 'ORIGIN/broken.png', 422],
    ['a missing local file', 'local:///nope/hunter2.png', 404],
    ['a local file that is not an image', 'local:///not-an-image.png', 422],
    ['a path outside the local root', 'local:///..%2f..%2fetc/passwd', 404],
    ['an unknown scheme', 'gopher://db-7.corp/1', 404],
  ])('%s (%s) answers %i', async (_what, source, status) => {
    // Base64, so that the `@` of the credentials is not read as the format separator of `plain/`.
    const res = await server.get(`/unsafe/w:10/${b64(source.replace('ORIGIN', origin.url))}`);
    const body = await res.text();
    expect(res.status).toBe(status);
    expectClean(body, [root, String(new URL(origin.url).port)]);
  });

  it('a refused address names its class, not the address', async () => {
    const strict = await startTestServer();
    try {
      const res = await strict.get(`/unsafe/w:10/${b64('http://alice:hunter2@localhost:1/x.png')}`);
      const body = await res.text();
      expect([res.status, body]).toEqual([404, 'Source address is not allowed (loopback)']);
      expectClean(body, ['localhost', '127.0.0.1']);
    } finally {
      await strict.stop();
    }
  });

  it('a cache backend that fails (with IMGPROXY_CACHE_REPORT_ERRORS) shows neither its credentials nor its bucket', async () => {
    const failing = await startTestServer({
      IMGPROXY_ALLOW_LOOPBACK_SOURCE_ADDRESSES: 'true',
      IMGPROXY_CACHE_USE: 'swift',
      IMGPROXY_CACHE_BUCKET: 'tenant-secret-bucket',
      IMGPROXY_CACHE_SWIFT_USERNAME: 'alice',
      IMGPROXY_CACHE_SWIFT_API_KEY: 'sup3rs3cretKey',
      IMGPROXY_CACHE_SWIFT_AUTH_URL: 'http://127.0.0.1:1/auth/v1.0',
      IMGPROXY_CACHE_REPORT_ERRORS: 'true',
    });
    try {
      const res = await failing.get(`/unsafe/w:10/plain/${origin.url}/ok.png`);
      expect(res.status).toBe(500);
      expectClean(await res.text(), ['127.0.0.1:1', 'auth/v1.0']);
    } finally {
      await failing.stop();
    }
  });
});

describe('IMGPROXY_DEVELOPMENT_ERRORS_MODE', () => {
  it('shows the details only when set', async () => {
    const path = (o: Origin) => `/unsafe/w:10/plain/${o.url}/broken.png`;
    const quiet = await startTestServer({ IMGPROXY_ALLOW_LOOPBACK_SOURCE_ADDRESSES: 'true' });
    const loud = await startTestServer({
      IMGPROXY_ALLOW_LOOPBACK_SOURCE_ADDRESSES: 'true',
      IMGPROXY_DEVELOPMENT_ERRORS_MODE: 'true',
    });
    try {
      const plain = await (await quiet.get(path(origin))).text();
      const detailed = await (await loud.get(path(origin))).text();
      expect(detailed.startsWith(plain)).toBe(true);
      expect(detailed.length).toBeGreaterThan(plain.length);
      expect(detailed).toMatch(/UNPROCESSABLE_IMAGE/);
      expect(detailed).toMatch(/\bat .+:\d+:\d+/);
      expect(plain).not.toMatch(/UNPROCESSABLE_IMAGE/);
    } finally {
      await quiet.stop();
      await loud.stop();
    }
  });
});
