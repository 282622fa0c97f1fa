/// <reference lib="dom" />
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../src/test/server.js';
import { chromiumAvailable, launchChromium } from './browser.js';

const samples = fileURLToPath(new URL('../../../samples', import.meta.url));
const KEY = '736563726574';
const SALT = '68656c6c6f';

/** Mean and spread of each channel of an image, after flattening onto white as the page shows it. */
async function colourStats(image: Buffer, width?: number, height?: number) {
  let s = sharp(image).flatten({ background: '#ffffff' }).removeAlpha();
  if (width && height) s = s.resize(width, height, { fit: 'fill' });
  const { channels } = await s.stats();
  return channels.map((c) => ({ mean: c.mean, stdev: c.stdev }));
}

describe.skipIf(!chromiumAvailable())('pages in a browser', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(() => browser?.close());

  const open = async (server: TestServer): Promise<Page> => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
    await page.goto(`${server.url}/`);
    return page;
  };

  describe('landing page (default)', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer({ IMGPROXY_LOCAL_FILESYSTEM_ROOT: samples });
    });
    afterAll(() => server?.stop());

    it('says what answers here, and offers no playground', async () => {
      const page = await open(server);
      expect(await page.title()).toContain('Tintype');
      expect(await page.locator('h1').textContent()).toBe('Tintype');
      expect(await page.locator('#form').count()).toBe(0);
      expect((await server.get('/_playground/sources')).status).toBe(404);
      await page.close();
    });
  });

  describe('playground (TINTYPE_PLAYGROUND=true)', () => {
    let server: TestServer;
    let page: Page;
    const ready = async (after: string | undefined) => {
      await page.waitForFunction(
        (prev) => document.body.dataset.ready && document.body.dataset.ready !== prev,
        after,
      );
      return page.evaluate(() => document.body.dataset.ready);
    };

    beforeAll(async () => {
      server = await startTestServer({
        TINTYPE_PLAYGROUND: 'true',
        IMGPROXY_LOCAL_FILESYSTEM_ROOT: samples,
        IMGPROXY_KEY: KEY,
        IMGPROXY_SALT: SALT,
      });
      page = await open(server);
    });
    afterAll(async () => {
      await page?.close();
      await server?.stop();
    });

    it('offers the sample images and shows a signed URL with its result and the original', async () => {
      const state = await ready(undefined);
      expect(state).toBeTruthy();
      const options = await page.locator('#source option').allTextContents();
      expect(options).toEqual(['dune.jpg', 'elephants.jpg', 'ladybird.jpg', 'target.png']);

      const url = (await page.locator('#url').textContent())!;
      expect(url).toMatch(/^\/[A-Za-z0-9_-]{43}\/rs:fit:400:300\/plain\/local:\/\/\/dune\.jpg$/);
      const size = await page
        .locator('#result')
        .evaluate((img: HTMLImageElement) => [img.naturalWidth, img.naturalHeight]);
      expect(size[0]).toBeGreaterThan(0);
      expect(size[0]).toBeLessThanOrEqual(400);
      expect(size[1]).toBeLessThanOrEqual(300);
      expect(size[0] === 400 || size[1] === 300).toBe(true);
      expect(await page.locator('#dims').textContent()).toBe(`${size[0]}×${size[1]}`);
      expect(await page.locator('#size').textContent()).toMatch(/^\d+(\.\d)? (B|KB)$/);
      expect(await page.locator('#time').textContent()).toMatch(/^\d+ ms$/);
      expect(await page.locator('#type-out').textContent()).toBe('image/jpeg');
      const original = await page.locator('#original').evaluate((img: HTMLImageElement) => img.naturalWidth);
      expect(original).toBeGreaterThan(size[0]!);
      expect(await page.locator('#error').textContent()).toBe('');
    });

    it('renders the result: the screenshot of the preview has the colours of the image the URL returns', async () => {
      const url = (await page.locator('#url').textContent())!;
      const served = Buffer.from(await (await server.get(url)).arrayBuffer());
      const box = (await page.locator('#result').boundingBox())!;
      expect(box.width).toBeGreaterThan(50);
      const shot = await page.locator('#result').screenshot();
      const meta = await sharp(shot).metadata();
      const seen = await colourStats(shot);
      const expected = await colourStats(served, meta.width, meta.height);
      for (let c = 0; c < 3; c++) {
        expect(Math.abs(seen[c]!.mean - expected[c]!.mean), `channel ${c} mean`).toBeLessThan(12);
        // Not a blank or a single colour: a photograph has spread in every channel.
        expect(seen[c]!.stdev, `channel ${c} spread`).toBeGreaterThan(10);
      }
      // Sampled pixels of a full-page screenshot, inside the preview, match the served image too.
      const page_ = await page.screenshot();
      const { data, info } = await sharp(page_).removeAlpha().raw().toBuffer({ resolveWithObject: true });
      const servedRaw = await sharp(served)
        .resize(Math.round(box.width), Math.round(box.height), { fit: 'fill' })
        .removeAlpha()
        .raw()
        .toBuffer({ resolveWithObject: true });
      let close = 0;
      const points = 25;
      for (let i = 0; i < points; i++) {
        const fx = 0.1 + 0.8 * ((i % 5) / 4);
        const fy = 0.1 + 0.8 * (Math.floor(i / 5) / 4);
        const px = Math.round(box.x + fx * box.width);
        const py = Math.round(box.y + fy * box.height);
        const sx = Math.round(fx * (servedRaw.info.width - 1));
        const sy = Math.round(fy * (servedRaw.info.height - 1));
        const a = (py * info.width + px) * info.channels;
        const b = (sy * servedRaw.info.width + sx) * servedRaw.info.channels;
        const diff = Math.max(...[0, 1, 2].map((c) => Math.abs(data[a + c]! - servedRaw.data[b + c]!)));
        if (diff < 40) close++;
      }
      expect(close, 'sampled pixels that match the served image').toBeGreaterThanOrEqual(20);
    });

    it('follows the form: a new size and format give a new signed URL and result', async () => {
      const before = await page.evaluate(() => document.body.dataset.ready);
      await page.locator('#width').fill('120');
      await page.locator('#height').fill('120');
      await page.locator('#type').selectOption('fill');
      await page.locator('#format').selectOption('webp');
      await page.locator('#source').selectOption({ label: 'ladybird.jpg' });
      await ready(before);
      expect(await page.locator('#url').textContent()).toMatch(
        /^\/[A-Za-z0-9_-]{43}\/rs:fill:120:120\/plain\/local:\/\/\/ladybird\.jpg@webp$/,
      );
      expect(await page.locator('#type-out').textContent()).toBe('image/webp');
      expect(await page.locator('#dims').textContent()).toBe('120×120');
    });

    it('shows the server error for a bad option', async () => {
      await page.locator('#extra').fill('nonsense:1');
      await page.waitForFunction(() => document.getElementById('error')?.textContent !== '');
      expect(await page.locator('#error').textContent()).toMatch(/^404: /);
      await page.locator('#extra').fill('');
    });

    it('warns in the log that it is on', () => {
      expect(
        server.logs.some((l) => l.level === 40 && String(l.msg).includes('TINTYPE_PLAYGROUND is on')),
      ).toBe(true);
    });

    it('signs only the images it offers', async () => {
      const res = await server.get(
        `/_playground/sign?source=${encodeURIComponent('http://example.com/a.jpg')}`,
      );
      expect(res.status).toBe(404);
      const ok = await server.get(
        '/_playground/sign?source=local%3A%2F%2F%2Ftarget.png&options=w%3A10&format=png',
      );
      expect(ok.status).toBe(200);
      const body = (await ok.json()) as { url: string; original: string };
      expect(body.url).toMatch(/\/w:10\/plain\/local:\/\/\/target\.png@png$/);
      expect(body.original).toMatch(/\/raw:1\/plain\/local:\/\/\/target\.png$/);
      expect((await server.get(body.url)).status).toBe(200);
    });
  });
});
