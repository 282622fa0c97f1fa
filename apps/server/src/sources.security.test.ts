import { request } from 'node:http';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Origin, serveBytes, startOrigin } from './test/origin.js';
import { startTestServer, type TestServer } from './test/server.js';

const b64 = (s: string) => Buffer.from(s).toString('base64url');
const loopback = { IMGPROXY_ALLOW_LOOPBACK_SOURCE_ADDRESSES: 'true' };

/** GET with the path sent exactly as written (fetch() would resolve `..` before sending). */
function rawGet(base: string, path: string, headers: Record<string, string> = {}): Promise<number> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    request({ host: u.hostname, port: u.port, path, headers }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    })
      .on('error', reject)
      .end();
  });
}

let png: Buffer;
let origin: Origin;
beforeAll(async () => {
  png = await sharp({ create: { width: 20, height: 20, channels: 3, background: '#0a0' } })
    .png()
    .toBuffer();
  origin = await startOrigin();
  for (const path of ['/public/ok.png', '/private/x.png', '/images/a.png', '/other/a.png', '/img.png'])
    origin.route(path, serveBytes(png, 'image/png'));
  origin.route('/big.png', serveBytes(Buffer.concat([png, Buffer.alloc(5000)]), 'image/png'));
  origin.route('/hop-away', (_req, res) =>
    res.writeHead(302, { location: `http://localhost:${new URL(origin.url).port}/img.png` }).end(),
  );
});
afterAll(() => origin.close());

const hits = (path: string) => origin.hits.get(path) ?? 0;

describe('IMGPROXY_ALLOWED_SOURCES on the final URL', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ ...loopback, IMGPROXY_ALLOWED_SOURCES: `${origin.url}/public/` });
  });
  afterAll(() => server.stop());

  it('serves a source the base URL puts under an allowed prefix', async () => {
    const based = await startTestServer({
      ...loopback,
      IMGPROXY_ALLOWED_SOURCES: `${origin.url}/public/`,
      IMGPROXY_BASE_URL: `${origin.url}/public/`,
    });
    try {
      expect((await based.get('/unsafe/w:10/plain/ok.png')).status).toBe(200);
      // The base URL is prefixed to relative sources only; an absolute one elsewhere stays refused.
      expect((await based.get(`/unsafe/w:10/plain/${origin.url}/private/x.png`)).status).toBe(404);
    } finally {
      await based.stop();
    }
  });

  it('refuses, with 404, a source outside the prefixes, without fetching it', async () => {
    const before = hits('/private/x.png');
    const res = await server.get(`/unsafe/w:10/plain/${origin.url}/private/x.png`);
    expect(res.status).toBe(404);
    expect(await res.text()).toBe('Source URL is not allowed');
    expect(hits('/private/x.png')).toBe(before);
  });

  it.each([
    '/public/../private/x.png',
    '/public/%2e%2e/private/x.png',
    '/public/%2E%2E/private/x.png',
    '/public/.%2e/private/x.png',
  ])('refuses a traversal out of the allowed prefix: %s', async (path) => {
    const before = hits('/private/x.png');
    // Base64 carries the source byte for byte; the plain form is sent raw, with no client normalising it.
    const res = await server.get(`/unsafe/w:10/${b64(`${origin.url}${path}`)}`);
    expect([res.status, await res.text()]).toEqual([404, 'Source URL is not allowed']);
    expect(await rawGet(server.url, `/unsafe/w:10/plain/${origin.url}${path}`)).toBe(404);
    expect(hits('/private/x.png')).toBe(before);
  });
});

describe('IMGPROXY_ALLOWED_SOURCES after IMGPROXY_URL_REPLACEMENTS', () => {
  it('checks the replaced URL, not the one in the request', async () => {
    const server = await startTestServer({
      ...loopback,
      IMGPROXY_ALLOWED_SOURCES: `${origin.url}/public/`,
      IMGPROXY_URL_REPLACEMENTS: `img://=${origin.url}/public/`,
    });
    try {
      expect((await server.get('/unsafe/w:10/plain/img://ok.png')).status).toBe(200);
      const swapped = await startTestServer({
        ...loopback,
        IMGPROXY_ALLOWED_SOURCES: `${origin.url}/public/`,
        IMGPROXY_URL_REPLACEMENTS: `${origin.url}/public/=${origin.url}/private/`,
      });
      try {
        const before = hits('/private/x.png');
        const res = await swapped.get(`/unsafe/w:10/plain/${origin.url}/public/x.png`);
        expect([res.status, await res.text()]).toEqual([404, 'Source URL is not allowed']);
        expect(hits('/private/x.png')).toBe(before);
      } finally {
        await swapped.stop();
      }
    } finally {
      await server.stop();
    }
  });
});

describe('source download settings over HTTP', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      ...loopback,
      IMGPROXY_MAX_SRC_FILE_SIZE: String(png.length + 100),
      IMGPROXY_USER_AGENT: 'Tintype-Test/1.0 (+security)',
    });
  });
  afterAll(() => server.stop());

  it('IMGPROXY_MAX_SRC_FILE_SIZE: 422 for a larger source, the smaller one is served', async () => {
    const res = await server.get(`/unsafe/w:10/plain/${origin.url}/big.png`);
    expect(res.status).toBe(422);
    expect(await res.text()).toBe('Source image file is too big');
    expect((await server.get(`/unsafe/w:10/plain/${origin.url}/img.png`)).status).toBe(200);
  });

  it('IMGPROXY_USER_AGENT is what the source sees', async () => {
    await server.get(`/unsafe/w:11/plain/${origin.url}/img.png`);
    const seen = origin.requests.filter((r) => r.url === '/img.png').at(-1);
    expect(seen?.headers['user-agent']).toBe('Tintype-Test/1.0 (+security)');
  });

  it('refuses a loopback source unless IMGPROXY_ALLOW_LOOPBACK_SOURCE_ADDRESSES', async () => {
    const strict = await startTestServer();
    try {
      const before = hits('/img.png');
      const res = await strict.get(`/unsafe/w:10/plain/${origin.url}/img.png`);
      expect(res.status).toBe(404);
      expect(hits('/img.png')).toBe(before);
    } finally {
      await strict.stop();
    }
  });
});

describe('cookies to sources', () => {
  const port = () => new URL(origin.url).port;
  /** The Cookie header the origin received for the last request of `path`. */
  const cookieSeen = (path: string) =>
    origin.requests.filter((r) => r.url === path).at(-1)?.headers.cookie ?? null;

  async function withServer(env: Record<string, string>, fn: (s: TestServer) => Promise<void>) {
    const server = await startTestServer({ ...loopback, ...env });
    try {
      await fn(server);
    } finally {
      await server.stop();
    }
  }
  const cookie = { cookie: 'session=s3cr3t; theme=dark' };

  it('are never forwarded unless IMGPROXY_COOKIE_PASSTHROUGH', async () => {
    await withServer({}, async (server) => {
      expect((await server.get(`/unsafe/w:12/plain/${origin.url}/img.png`, { headers: cookie })).status).toBe(
        200,
      );
      expect(cookieSeen('/img.png')).toBeNull();
    });
  });

  it('go, with passthrough, to a source on the host the client asked (any port)', async () => {
    await withServer({ IMGPROXY_COOKIE_PASSTHROUGH: 'true' }, async (server) => {
      // The server listens on 127.0.0.1 too, on another port: same host for cookies.
      await server.get(`/unsafe/w:13/plain/${origin.url}/img.png`, { headers: cookie });
      expect(cookieSeen('/img.png')).toBe('session=s3cr3t; theme=dark');
      // Another host (localhost is a different name, though the same address) gets nothing.
      await server.get(`/unsafe/w:14/plain/http://localhost:${port()}/img.png`, { headers: cookie });
      expect(cookieSeen('/img.png')).toBeNull();
      // X-Forwarded-Host names the host the client asked, so 127.0.0.1 is now another host.
      await server.get(`/unsafe/w:15/plain/${origin.url}/img.png`, {
        headers: { ...cookie, 'x-forwarded-host': 'images.example.com' },
      });
      expect(cookieSeen('/img.png')).toBeNull();
    });
  });

  it('are scoped to the host and path of IMGPROXY_COOKIE_BASE_URL', async () => {
    await withServer(
      { IMGPROXY_COOKIE_PASSTHROUGH: 'true', IMGPROXY_COOKIE_BASE_URL: 'https://127.0.0.1/images/x' },
      async (server) => {
        await server.get(`/unsafe/w:16/plain/${origin.url}/images/a.png`, { headers: cookie });
        expect(cookieSeen('/images/a.png')).toBe('session=s3cr3t; theme=dark');
        await server.get(`/unsafe/w:16/plain/${origin.url}/other/a.png`, { headers: cookie });
        expect(cookieSeen('/other/a.png')).toBeNull();
      },
    );
  });

  it('go to every source with IMGPROXY_COOKIE_PASSTHROUGH_ALL, but not across a redirect to another origin', async () => {
    await withServer(
      { IMGPROXY_COOKIE_PASSTHROUGH: 'true', IMGPROXY_COOKIE_PASSTHROUGH_ALL: 'true' },
      async (server) => {
        await server.get(`/unsafe/w:17/plain/http://localhost:${port()}/img.png`, { headers: cookie });
        expect(cookieSeen('/img.png')).toBe('session=s3cr3t; theme=dark');
        expect(
          (await server.get(`/unsafe/w:18/plain/${origin.url}/hop-away`, { headers: cookie })).status,
        ).toBe(200);
        expect(cookieSeen('/hop-away')).toBe('session=s3cr3t; theme=dark');
        expect(cookieSeen('/img.png')).toBeNull();
      },
    );
  });
});
