import { crc32 } from 'node:zlib';
import { IMGPROXY_OPTION_DEFAULTS, isTintypeError, type SecurityOptions } from '@tintype/url';
import sharp, { type Sharp } from 'sharp';
import { describe, expect, it } from 'vitest';
import { checkSourceLimits, decodeBytes, probeImage, readHeader, type SourceInfo } from './probe.js';
import { gridImage, orientedGrid, run } from './test-images.js';

/** A PNG whose header claims width x height, followed by no real pixel data: a decompression bomb's shape. */
function pngClaiming(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', Buffer.from([0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01])),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const security = (patch: Partial<SecurityOptions> = {}): SecurityOptions => ({
  ...IMGPROXY_OPTION_DEFAULTS.security,
  ...patch,
});

describe('probeImage', () => {
  it('reads format, size, alpha and orientation from the header', async () => {
    expect(await probeImage(await gridImage('jpeg'))).toMatchObject({
      format: 'jpeg',
      width: 200,
      height: 100,
      pages: 1,
      hasAlpha: false,
      orientation: 1,
      isAnimated: false,
    });
    expect(await probeImage(await orientedGrid(6))).toMatchObject({
      format: 'png',
      width: 100,
      height: 200,
      orientation: 6,
    });
    const avif = await probeImage(await gridImage('avif'));
    expect(avif.format).toBe('avif');
    const svg = await probeImage(
      Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="30" height="20"/>'),
    );
    expect(svg).toMatchObject({ format: 'svg', width: 30, height: 20, hasAlpha: true });
  });

  it('sees animations and their frames', async () => {
    // Frames must differ: the GIF encoder merges identical ones.
    const data = Buffer.alloc(10 * 30 * 4, 255);
    data.fill(0, 10 * 10 * 4, 10 * 20 * 4);
    const gif = await sharp(data, { raw: { width: 10, height: 30, channels: 4, pageHeight: 10 } })
      .gif({ delay: [50, 60, 70], loop: 0 })
      .toBuffer();
    expect(await probeImage(gif)).toMatchObject({
      format: 'gif',
      width: 10,
      height: 10,
      pages: 3,
      isAnimated: true,
      delay: [50, 60, 70],
    });
  });

  it('reads a header claiming 50000x50000 without decoding it', async () => {
    const info = await probeImage(pngClaiming(50_000, 50_000));
    expect([info.width, info.height]).toEqual([50_000, 50_000]);
  });
});

describe('checkSourceLimits', () => {
  const info = (patch: Partial<SourceInfo>): SourceInfo => ({
    format: 'png',
    width: 100,
    height: 100,
    pages: 1,
    hasAlpha: false,
    orientation: 1,
    isAnimated: false,
    delay: [],
    loop: 0,
    ...patch,
  });

  it('refuses more pixels than max_src_resolution', () => {
    expect(() => checkSourceLimits(info({}), security({ maxSrcResolution: 10_000 }))).not.toThrow();
    expect(() => checkSourceLimits(info({}), security({ maxSrcResolution: 9_999 }))).toThrow(
      'Source image resolution is too big',
    );
  });

  it('counts the frames that will be decoded', () => {
    const anim = info({ format: 'gif', pages: 5, isAnimated: true });
    expect(() =>
      checkSourceLimits(anim, security({ maxSrcResolution: 20_000, maxAnimationFrames: 1 })),
    ).not.toThrow();
    expect(() =>
      checkSourceLimits(anim, security({ maxSrcResolution: 20_000, maxAnimationFrames: 2 })),
    ).not.toThrow();
    expect(() =>
      checkSourceLimits(anim, security({ maxSrcResolution: 20_000, maxAnimationFrames: 3 })),
    ).toThrow();
    expect(() =>
      checkSourceLimits(
        anim,
        security({ maxSrcResolution: 20_000, maxAnimationFrames: 5, maxAnimationFrameResolution: 10_000 }),
      ),
    ).not.toThrow();
  });

  it('leaves vectors alone', () => {
    expect(() =>
      checkSourceLimits(info({ format: 'svg', width: 1e6, height: 1e6 }), security()),
    ).not.toThrow();
  });

  it('throws a 422 TintypeError', () => {
    try {
      checkSourceLimits(info({ width: 1e5, height: 1e5 }), security());
      expect.unreachable();
    } catch (error) {
      expect(isTintypeError(error) && error.status).toBe(422);
    }
  });

  it('stops processImage before any decoding', async () => {
    // Decoding this file would fail as broken; the limit answers first.
    await expect(run(pngClaiming(50_000, 50_000))).rejects.toMatchObject({
      status: 422,
      publicMessage: 'Source image resolution is too big',
    });
  });
});

describe('decodeBytes', () => {
  const photo = (width: number, height: number) =>
    sharp({ create: { width, height, channels: 3, background: { r: 200, g: 120, b: 40 } } });
  const bytesOf = async (image: Sharp) => decodeBytes(await readHeader(await image.toBuffer()));

  it('counts the coefficients a progressive JPEG keeps until its last scan, 2 bytes per sample', async () => {
    const jpeg = (chromaSubsampling: string) =>
      bytesOf(photo(400, 300).jpeg({ progressive: true, chromaSubsampling }));
    expect(await jpeg('4:2:0')).toBe(400 * 300 * 2 * 1.5);
    expect(await jpeg('4:4:4')).toBe(400 * 300 * 2 * 3);
  });

  it('counts nothing for a baseline JPEG, decoded shrunk as it streams', async () => {
    expect(await bytesOf(photo(400, 300).jpeg())).toBe(0);
  });

  it('counts a whole frame for other formats, by channels and sample size', async () => {
    expect(await bytesOf(photo(400, 300).webp())).toBe(400 * 300 * 3);
    expect(await bytesOf(photo(400, 300).png())).toBe(400 * 300 * 3);
    expect(await bytesOf(photo(400, 300).ensureAlpha().png())).toBe(400 * 300 * 4);
    expect(await bytesOf(photo(400, 300).png({ palette: false }).toColourspace('rgb16'))).toBe(
      400 * 300 * 3 * 2,
    );
  });
});
