import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { run } from './test-images.js';

/** A 64x32 16-bit PNG whose samples differ by less than one 8-bit step. */
async function deepPng(alpha = false): Promise<Buffer> {
  const channels = alpha ? 4 : 3;
  const data = new Uint16Array(64 * 32 * channels);
  for (let i = 0; i < 64 * 32; i++)
    data.set([10_000 + (i % 64), 20_000, 30_000, 65535].slice(0, channels), i * channels);
  return sharp(data, { raw: { width: 64, height: 32, channels } })
    .toColourspace('rgb16')
    .png()
    .toBuffer();
}

async function samples16(image: Buffer): Promise<number[]> {
  const { data } = await sharp(image)
    .toColourspace('rgb16')
    .raw({ depth: 'ushort' })
    .toBuffer({ resolveWithObject: true });
  return [...new Uint16Array(data.buffer, data.byteOffset, 6)];
}

describe('preserve_hdr', () => {
  it('is off by default: a 16-bit source comes out 8-bit', async () => {
    const result = await run(await deepPng());
    expect((await sharp(result.data).metadata()).depth).toBe('uchar');
  });

  it('keeps a 16-bit source 16-bit in PNG and TIFF', async () => {
    for (const format of ['png', 'tiff'] as const) {
      const result = await run(await deepPng(), { preserveHdr: true }, format);
      expect((await sharp(result.data).metadata()).depth).toBe('ushort');
      // Neighbouring samples 10000 and 10001 stay apart.
      expect(await samples16(result.data)).toEqual([10_000, 20_000, 30_000, 10_001, 20_000, 30_000]);
    }
  });

  it('writes deep AVIF at 12 bits', async () => {
    const result = await run(await deepPng(), { preserveHdr: true }, 'avif');
    expect((await sharp(result.data).metadata()).bitsPerSample).toBe(12);
  });

  it('does not apply to formats without depth', async () => {
    const result = await run(await deepPng(), { preserveHdr: true }, 'webp');
    expect((await sharp(result.data).metadata()).depth).toBe('uchar');
  });

  it('runs every step at 16 bits', async () => {
    const mark = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#fff' } })
      .png()
      .toBuffer();
    const result = await run(
      await deepPng(true),
      {
        preserveHdr: true,
        width: 40,
        height: 40,
        resizingType: 'fill',
        rotate: 90,
        blur: 1,
        pixelate: 2,
        padding: { top: 2, right: 2, bottom: 2, left: 2 },
        background: { r: 255, g: 255, b: 255 },
        trim: {
          enabled: true,
          threshold: 10,
          color: { r: 0, g: 0, b: 0 },
          equalHorizontal: false,
          equalVertical: false,
        },
        watermark: { opacity: 1, position: 'soea', x: 0, y: 0, scale: 0 },
      },
      'png',
      { watermark: mark },
    );
    // Turned to 32x64, cut to 32x40 (no enlarging), padded.
    expect([result.width, result.height]).toEqual([36, 44]);
    const meta = await sharp(result.data).metadata();
    expect([meta.depth, meta.channels]).toEqual(['ushort', 3]);
    // The padding is the white background at full 16-bit white.
    expect((await samples16(result.data)).slice(0, 3)).toEqual([65535, 65535, 65535]);
  });
});
