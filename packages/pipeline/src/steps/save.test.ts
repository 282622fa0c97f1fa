import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { gridImage, run, sizeOf } from '../test-images.js';

/** Noise compresses badly, so quality changes show in the byte count. */
const noise = (size = 200) =>
  sharp({
    create: {
      width: size,
      height: size,
      channels: 3,
      background: '#808080',
      noise: { type: 'gaussian', mean: 128, sigma: 60 },
    },
  })
    .png()
    .toBuffer();

describe('save', () => {
  it('encodes the requested format', async () => {
    for (const format of ['jpeg', 'png', 'webp', 'avif', 'gif', 'tiff'] as const) {
      const result = await run(await gridImage(), {}, format);
      expect(result.format).toBe(format);
      expect((await sizeOf(result.data)).format).toBe(format === 'avif' ? 'heif' : format);
    }
  });

  it('uses the URL quality over the configured one', async () => {
    const src = await noise();
    const low = await run(src, { quality: 20 }, 'jpeg', { quality: 95 });
    const high = await run(src, {}, 'jpeg', { quality: 95 });
    expect(low.data.length).toBeLessThan(high.data.length / 2);
  });

  it('uses format_quality for its format only', async () => {
    const src = await noise();
    const webpLow = await run(src, { formatQuality: { webp: 10 } }, 'webp');
    const webpDefault = await run(src, {}, 'webp');
    expect(webpLow.data.length).toBeLessThan(webpDefault.data.length);
    const jpeg = await run(src, { formatQuality: { webp: 10 } }, 'jpeg');
    const jpegDefault = await run(src, {}, 'jpeg');
    expect(jpeg.data.length).toBe(jpegDefault.data.length);
  });

  it('lowers the quality until max_bytes fits', async () => {
    const src = await noise(300);
    const full = await run(src, {}, 'jpeg');
    const fitted = await run(src, { maxBytes: Math.round(full.data.length / 3) }, 'jpeg');
    expect(fitted.data.length).toBeLessThanOrEqual(Math.round(full.data.length / 3));
    expect((await sizeOf(fitted.data)).width).toBe(300);
  });

  it('ignores max_bytes for formats without quality', async () => {
    const src = await noise(50);
    const png = await run(src, { maxBytes: 100 }, 'png');
    expect(png.data.length).toBeGreaterThan(100);
  });

  it('writes progressive JPEG and interlaced PNG when configured', async () => {
    const src = await gridImage();
    expect((await sharp((await run(src, {}, 'jpeg')).data).metadata()).isProgressive).toBe(false);
    expect(
      (await sharp((await run(src, {}, 'jpeg', { jpegProgressive: true })).data).metadata()).isProgressive,
    ).toBe(true);
    expect(
      (await sharp((await run(src, {}, 'png', { pngInterlaced: true })).data).metadata()).isProgressive,
    ).toBe(true);
  });

  it('quantizes PNG to the configured colour count', async () => {
    const result = await run(await gridImage(), {}, 'png', { pngQuantize: true, pngQuantizationColors: 16 });
    const meta = await sharp(result.data).metadata();
    expect(meta.isPalette).toBe(true);
    expect(meta.bitsPerSample).toBe(4);
  });

  it('keeps a palette PNG a palette PNG', async () => {
    const palette = await sharp(await gridImage())
      .png({ palette: true, colours: 16 })
      .toBuffer();
    const meta = await sharp((await run(palette, { width: 100 }, 'png')).data).metadata();
    expect(meta.isPalette).toBe(true);
  });

  it('passes the WebP effort and preset to the encoder', async () => {
    const src = await noise(64);
    const a = await run(src, {}, 'webp', { webpEffort: 1 });
    const b = await run(src, {}, 'webp', { webpEffort: 6 });
    const c = await run(src, {}, 'webp', { webpPreset: 'text' });
    expect(a.data.equals(b.data)).toBe(false);
    expect(a.data.equals(c.data)).toBe(false);
  });

  it('passes the AVIF speed to the encoder', async () => {
    const src = await noise(32);
    const fast = await run(src, {}, 'avif', { avifSpeed: 9 });
    const slow = await run(src, {}, 'avif', { avifSpeed: 2 });
    expect(fast.data.equals(slow.data)).toBe(false);
  });

  it('subsamples chroma below quality 90 only, as libvips does', async () => {
    const src = await gridImage();
    expect((await sharp((await run(src, { quality: 80 }, 'jpeg')).data).metadata()).chromaSubsampling).toBe(
      '4:2:0',
    );
    expect((await sharp((await run(src, { quality: 95 }, 'jpeg')).data).metadata()).chromaSubsampling).toBe(
      '4:4:4',
    );
  });

  it('saves a tiny AVIF as JPEG, or PNG when it has alpha', async () => {
    const opaque = await run(await gridImage(), { width: 10 }, 'avif');
    expect([opaque.format, (await sizeOf(opaque.data)).format]).toEqual(['jpeg', 'jpeg']);
    const transparent = await run(
      await gridImage(),
      { width: 10, padding: { top: 1, right: 0, bottom: 0, left: 0 } },
      'avif',
    );
    expect(transparent.format).toBe('png');
  });
});
