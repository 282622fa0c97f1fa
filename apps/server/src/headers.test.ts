import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Origin, serveBytes, startOrigin } from './test/origin.js';
import { startTestServer, type TestServer } from './test/server.js';

/** Response header rules of issue 3 over real HTTP: negotiation, hints, CORS, canonical, passthrough. */
describe('response headers', () => {
  let origin: Origin;
  let server: TestServer;
  beforeAll(async () => {
    const photo = await sharp({ create: { width: 300, height: 200, channels: 3, background: '#336699' } })
      .jpeg()
      .toBuffer();
    origin = await startOrigin({
      '/photo.jpg': serveBytes(photo, 'image/jpeg', { 'cache-control': 'max-age=77, public' }),
    });
    server = await startTestServer({
      IMGPROXY_ALLOW_LOOPBACK_SOURCE_ADDRESSES: 'true',
      IMGPROXY_AUTO_WEBP: 'true',
      IMGPROXY_AUTO_AVIF: 'true',
      IMGPROXY_ENABLE_CLIENT_HINTS: 'true',
      IMGPROXY_ALLOW_ORIGIN: 'https://app.example',
      IMGPROXY_SET_CANONICAL_HEADER: 'true',
      IMGPROXY_CACHE_CONTROL_PASSTHROUGH: 'true',
      IMGPROXY_ENABLE_DEBUG_HEADERS: 'true',
    });
  });
  afterAll(async () => {
    await server.stop();
    await origin.close();
  });

  const path = () => `/unsafe/plain/${origin.url}/photo.jpg`;

  it('negotiates WebP and AVIF from Accept and says Vary', async () => {
    const avif = await server.get(path(), { headers: { accept: 'image/avif,image/webp,*/*' } });
    expect(avif.headers.get('content-type')).toBe('image/avif');
    expect(avif.headers.get('vary')).toContain('Accept');
    const webp = await server.get(path(), { headers: { accept: 'image/webp,*/*' } });
    expect(webp.headers.get('content-type')).toBe('image/webp');
    const plain = await server.get(path(), { headers: { accept: '*/*' } });
    expect(plain.headers.get('content-type')).toBe('image/jpeg');
    expect(plain.headers.get('vary')).toContain('Accept');
  });

  it('applies DPR and Width client hints and lists them in Vary', async () => {
    const res = await server.get(`/unsafe/w:100/plain/${origin.url}/photo.jpg@png`, {
      headers: { dpr: '2' },
    });
    expect(res.headers.get('x-result-width')).toBe('200');
    expect(res.headers.get('vary')).toContain('DPR');
    const hinted = await server.get(`/unsafe/plain/${origin.url}/photo.jpg@png`, {
      headers: { 'sec-ch-width': '120' },
    });
    expect(hinted.headers.get('x-result-width')).toBe('120');
  });

  it('sends CORS, the canonical link and the source Cache-Control', async () => {
    const res = await server.get(path());
    expect(res.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(res.headers.get('access-control-allow-methods')).toBe('GET, OPTIONS');
    expect(res.headers.get('link')).toBe(`<${origin.url}/photo.jpg>; rel="canonical"`);
    expect(res.headers.get('cache-control')).toBe('max-age=77, public');
    const options = await server.get(path(), { method: 'OPTIONS' });
    expect(options.headers.get('access-control-allow-origin')).toBe('https://app.example');
  });

  it('caps max-age by the expires option', async () => {
    const exp = Math.floor(Date.now() / 1000) + 30;
    const res = await server.get(`/unsafe/exp:${exp}/plain/${origin.url}/photo.jpg`);
    const maxAge = Number(/max-age=(\d+)/.exec(res.headers.get('cache-control') ?? '')?.[1]);
    expect(maxAge).toBeGreaterThan(0);
    expect(maxAge).toBeLessThanOrEqual(30);
    const expired = await server.get(`/unsafe/exp:${exp - 3600}/plain/${origin.url}/photo.jpg`);
    expect(expired.status).toBe(404);
  });
});
