import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hugeGif, hugeJpeg, hugePng, hugeTiff, hugeWebp } from './test/hostile-images.js';
import { type Origin, serveBytes, startOrigin } from './test/origin.js';
import { startTestServer, type TestServer } from './test/server.js';

const loopback = { IMGPROXY_ALLOW_LOOPBACK_SOURCE_ADDRESSES: 'true' };

/** An animated GIF of `frames` frames of `size`x`size`, each a different grey. */
async function animatedGif(frames: number, size: number): Promise<Buffer> {
  const stack = await sharp({
    create: { width: size, height: size * frames, channels: 3, background: '#000' },
  })
    .composite(
      Array.from({ length: frames }, (_, i) => ({
        input: {
          create: {
            width: size,
            height: size,
            channels: 3 as const,
            background: { r: i * 40, g: i * 40, b: i * 40 },
          },
        },
        top: i * size,
        left: 0,
      })),
    )
    .raw()
    .toBuffer();
  return sharp(stack, { raw: { width: size, height: size * frames, channels: 3, pageHeight: size } })
    .gif({ delay: Array(frames).fill(100), loop: 0 })
    .toBuffer();
}

const svg = (width: number, height: number, body = '<rect width="50%" height="50%" fill="red"/>') =>
  Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${body}</svg>`);

let origin: Origin;
beforeAll(async () => {
  origin = await startOrigin({
    '/huge.png': serveBytes(hugePng(), 'image/png'),
    '/huge.gif': serveBytes(hugeGif(), 'image/gif'),
    '/huge.jpg': serveBytes(hugeJpeg(), 'image/jpeg'),
    '/huge.webp': serveBytes(hugeWebp(), 'image/webp'),
    '/huge.tif': serveBytes(hugeTiff(), 'image/tiff'),
    '/80mp.png': serveBytes(hugePng(10000, 8000), 'image/png'),
    '/anim.gif': serveBytes(await animatedGif(5, 100), 'image/gif'),
    '/small.png': serveBytes(
      await sharp({ create: { width: 100, height: 100, channels: 3, background: '#00f' } })
        .png()
        .toBuffer(),
      'image/png',
    ),
    '/small.svg': serveBytes(svg(100, 100), 'image/svg+xml'),
    '/vast.svg': serveBytes(svg(2000, 2000), 'image/svg+xml'),
    '/evil.svg': serveBytes(
      svg(
        10,
        10,
        '<script>alert(1)</script><rect width="5" height="5" onload="alert(2)"/><a href="javascript:alert(3)"><text>x</text></a>',
      ),
      'image/svg+xml',
    ),
    // 11 MB, mostly comments (cheap to parse, so the unlimited case stays quick).
    '/big.svg': serveBytes(
      svg(
        10,
        10,
        `${Array.from({ length: 1150 }, () => `<!--${'x'.repeat(10000)}-->`).join('\n')}<rect width="5" height="5"/>`,
      ),
      'image/svg+xml',
    ),
  });
});
afterAll(() => origin.close());

async function withServer(env: Record<string, string>, fn: (s: TestServer) => Promise<void>) {
  const server = await startTestServer({ ...loopback, ...env });
  try {
    await fn(server);
  } finally {
    await server.stop();
  }
}

describe('image limits before decoding', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(loopback);
  });
  afterAll(() => server.stop());

  it.each([
    ['/huge.png', 'PNG 50000x50000'],
    ['/huge.gif', 'GIF 50000x50000'],
    ['/huge.jpg', 'JPEG 50000x50000'],
    ['/huge.webp', 'WebP 16383x16383'],
    ['/huge.tif', 'TIFF 50000x50000'],
    ['/80mp.png', 'PNG 10000x8000'],
  ])('%s (a few bytes claiming %s) is refused with 422, never allocated', async (path) => {
    const before = process.memoryUsage().rss;
    const res = await server.get(`/unsafe/rs:fit:100:100/plain/${origin.url}${path}@png`);
    expect(res.status).toBe(422);
    expect(await res.text()).toBe('Source image resolution is too big');
    // Decoding would have needed gigabytes; the process did not grow by anything like it.
    expect(process.memoryUsage().rss - before).toBeLessThan(256 * 1024 * 1024);
  });

  it('the refusal is the resolution limit: raised, the same header reaches the decoder, which finds no pixels', async () => {
    await withServer({ IMGPROXY_MAX_SRC_RESOLUTION: '100' }, async (s) => {
      const res = await s.get(`/unsafe/rs:fit:100:100/plain/${origin.url}/80mp.png@png`);
      expect(res.status).toBe(422);
      expect(await res.text()).not.toBe('Source image resolution is too big');
    });
  });

  it('IMGPROXY_MAX_SRC_RESOLUTION counts every frame that would be decoded', async () => {
    // 5 frames of 100x100 = 50000 pixels; a single frame is 10000.
    await withServer(
      { IMGPROXY_MAX_SRC_RESOLUTION: '0.03', IMGPROXY_MAX_ANIMATION_FRAMES: '5' },
      async (s) => {
        expect((await s.get(`/unsafe/plain/${origin.url}/anim.gif@gif`)).status).toBe(422);
        // Asked as a still format, only the first frame is decoded.
        expect((await s.get(`/unsafe/plain/${origin.url}/anim.gif@png`)).status).toBe(200);
      },
    );
  });

  it('IMGPROXY_MAX_ANIMATION_FRAMES: frames beyond it are not decoded', async () => {
    await withServer({ IMGPROXY_MAX_ANIMATION_FRAMES: '3' }, async (s) => {
      const res = await s.get(`/unsafe/plain/${origin.url}/anim.gif@webp`);
      expect(res.status).toBe(200);
      expect((await sharp(Buffer.from(await res.arrayBuffer())).metadata()).pages).toBe(3);
    });
    await withServer({}, async (s) => {
      const res = await s.get(`/unsafe/plain/${origin.url}/anim.gif@webp`);
      expect((await sharp(Buffer.from(await res.arrayBuffer())).metadata()).pages ?? 1).toBe(1);
    });
  });

  it('IMGPROXY_MAX_ANIMATION_FRAME_RESOLUTION: 422 for larger frames of an animation', async () => {
    await withServer(
      { IMGPROXY_MAX_ANIMATION_FRAMES: '5', IMGPROXY_MAX_ANIMATION_FRAME_RESOLUTION: '0.005' },
      async (s) => {
        const res = await s.get(`/unsafe/plain/${origin.url}/anim.gif@gif`);
        expect(res.status).toBe(422);
        expect(await res.text()).toBe('Source image frame resolution is too big');
      },
    );
  });

  it('IMGPROXY_MAX_RESULT_DIMENSION: the result is scaled down to fit', async () => {
    await withServer({ IMGPROXY_MAX_RESULT_DIMENSION: '50' }, async (s) => {
      const res = await s.get(`/unsafe/rs:fit:400:300/el:1/plain/${origin.url}/small.png`);
      expect(res.status).toBe(200);
      const meta = await sharp(Buffer.from(await res.arrayBuffer())).metadata();
      expect(Math.max(meta.width!, meta.height!)).toBeLessThanOrEqual(50);
    });
  });
});

describe('SVG sources', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(loopback);
  });
  afterAll(() => server.stop());

  it('IMGPROXY_SANITIZE_SVG (default on) removes scripts, handlers and javascript: links', async () => {
    const res = await server.get(`/unsafe/plain/${origin.url}/evil.svg@svg`);
    expect(res.status).toBe(200);
    const body = await res.text();
    expect(body).toContain('<rect');
    expect(body).not.toMatch(/<script|onload|javascript:/i);
    await withServer({ IMGPROXY_SANITIZE_SVG: 'false' }, async (s) => {
      expect(await (await s.get(`/unsafe/plain/${origin.url}/evil.svg@svg`)).text()).toContain('<script>');
    });
  });

  it('refuses an SVG over 10 MB unless IMGPROXY_SVG_UNLIMITED', async () => {
    const res = await server.get(`/unsafe/w:10/plain/${origin.url}/big.svg@png`);
    expect(res.status).toBe(422);
    expect(await res.text()).toBe('Source SVG image is too big');
    await withServer({ IMGPROXY_SVG_UNLIMITED: 'true' }, async (s) => {
      expect((await s.get(`/unsafe/w:10/plain/${origin.url}/big.svg@png`)).status).toBe(200);
    });
  });

  it('renders an SVG larger than the resolution limit smaller, under the limit', async () => {
    // 2000x2000 is 4 MP, over a 1 MP limit.
    await withServer({ IMGPROXY_MAX_SRC_RESOLUTION: '1' }, async (s) => {
      const res = await s.get(`/unsafe/plain/${origin.url}/vast.svg@png`);
      expect(res.status).toBe(200);
      const meta = await sharp(Buffer.from(await res.arrayBuffer())).metadata();
      expect(meta.width! * meta.height!).toBeLessThanOrEqual(1_000_000);
      expect(meta.width).toBeGreaterThan(900);
    });
  });

  it('never rasterizes more than the resolution limit, however large the request', async () => {
    // 100x100 enlarged to 10000x10000 would be 100 MP (400 MB of RGBA).
    const res = await server.get(`/unsafe/rs:fit:10000:10000/el:1/plain/${origin.url}/small.svg@png`);
    expect(res.status).toBe(422);
    expect(await res.text()).toBe('Source image resolution is too big');
    await withServer({ IMGPROXY_MAX_SRC_RESOLUTION: '0.01' }, async (s) => {
      expect((await s.get(`/unsafe/rs:fit:200:200/el:1/plain/${origin.url}/small.svg@png`)).status).toBe(422);
      expect((await s.get(`/unsafe/rs:fit:90:90/el:1/plain/${origin.url}/small.svg@png`)).status).toBe(200);
    });
  });
});
