import { IMGPROXY_OPTION_DEFAULTS, type SecurityOptions } from '@tintype/url';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { run } from './test-images.js';

const COLOURS = [
  [255, 0, 0],
  [0, 255, 0],
  [0, 0, 255],
];

/** Three 60x30 frames, red, green, blue, with distinct delays and a loop count. */
async function animation(format: 'gif' | 'webp'): Promise<Buffer> {
  const frame = 60 * 30 * 4;
  const data = Buffer.alloc(frame * 3);
  COLOURS.forEach((c, i) => {
    for (let p = 0; p < 60 * 30; p++) data.set([...c, 255], i * frame + p * 4);
  });
  const s = sharp(data, { raw: { width: 60, height: 90, channels: 4, pageHeight: 30 } });
  const animated = { delay: [100, 200, 300], loop: 3 };
  return (format === 'gif' ? s.gif(animated) : s.webp({ ...animated, lossless: true })).toBuffer();
}

const frames = (maxAnimationFrames: number, extra: Partial<SecurityOptions> = {}) => ({
  security: { ...IMGPROXY_OPTION_DEFAULTS.security, maxAnimationFrames, ...extra },
});

async function frameColour(image: Buffer, page: number): Promise<number[]> {
  const { data } = await sharp(image, { page }).raw().toBuffer({ resolveWithObject: true });
  return [...data.subarray(0, 3)];
}

describe('animation', () => {
  it('keeps only the first frame with IMGPROXY_MAX_ANIMATION_FRAMES=1 (the default)', async () => {
    const result = await run(await animation('gif'), { width: 30 }, 'gif');
    const meta = await sharp(result.data).metadata();
    expect(meta.pages ?? 1).toBe(1);
    expect([result.width, result.height]).toEqual([30, 15]);
    expect(await frameColour(result.data, 0)).toEqual([255, 0, 0]);
  });

  for (const [from, to] of [
    ['gif', 'gif'],
    ['gif', 'webp'],
    ['webp', 'gif'],
    ['webp', 'webp'],
  ] as const) {
    it(`processes every frame ${from} -> ${to}, keeping delays and loop`, async () => {
      const result = await run(await animation(from), { width: 30, ...frames(10) }, to);
      expect([result.width, result.height]).toEqual([30, 15]);
      const meta = await sharp(result.data).metadata();
      expect(meta.pages).toBe(3);
      expect([meta.width, meta.pageHeight ?? meta.height]).toEqual([30, 15]);
      expect(meta.delay).toEqual([100, 200, 300]);
      expect(meta.loop).toBe(3);
      for (const page of [0, 1, 2]) {
        const [r, g, b] = await frameColour(result.data, page);
        const expected = COLOURS[page]!;
        expect(
          Math.abs(r! - expected[0]!) + Math.abs(g! - expected[1]!) + Math.abs(b! - expected[2]!),
        ).toBeLessThan(30);
      }
    });
  }

  it('stops at max_animation_frames', async () => {
    const result = await run(await animation('gif'), frames(2), 'gif');
    const meta = await sharp(result.data).metadata();
    expect(meta.pages).toBe(2);
    expect(meta.delay).toEqual([100, 200]);
  });

  it('keeps the first frame for formats without animation', async () => {
    const result = await run(await animation('gif'), frames(10), 'png');
    expect([result.width, result.height]).toEqual([60, 30]);
    expect((await sharp(result.data).metadata()).pages ?? 1).toBe(1);
  });

  it('crops, pads and watermarks every frame', async () => {
    const mark = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#ffffff' } })
      .png()
      .toBuffer();
    const result = await run(
      await animation('gif'),
      {
        ...frames(10),
        crop: { width: 20, height: 20, gravity: null },
        padding: { top: 2, right: 2, bottom: 2, left: 2 },
        background: { r: 0, g: 0, b: 0 },
        watermark: { opacity: 1, position: 'nowe', x: 0, y: 0, scale: 0 },
      },
      'gif',
      { watermark: mark },
    );
    expect([result.width, result.height]).toEqual([24, 24]);
    for (const page of [0, 1, 2]) {
      const { data } = await sharp(result.data, { page }).raw().toBuffer({ resolveWithObject: true });
      expect([...data.subarray(0, 3)]).toEqual([255, 255, 255]);
    }
  });

  it('skips trim for animations, as imgproxy does', async () => {
    const result = await run(
      await animation('gif'),
      {
        ...frames(10),
        trim: { enabled: true, threshold: 10, color: null, equalHorizontal: false, equalVertical: false },
      },
      'gif',
    );
    expect([result.width, result.height]).toEqual([60, 30]);
  });

  it('counts the pixels of every frame against max_src_resolution', async () => {
    const source = await animation('gif');
    await expect(run(source, frames(10, { maxSrcResolution: 60 * 30 * 2 }), 'gif')).rejects.toMatchObject({
      status: 422,
    });
    // ...unless a frame limit is set, which then applies per frame.
    const ok = await run(
      source,
      frames(10, { maxSrcResolution: 60 * 30 * 2, maxAnimationFrameResolution: 60 * 30 }),
      'gif',
    );
    expect(ok.width).toBe(60);
    await expect(
      run(source, frames(10, { maxAnimationFrameResolution: 60 * 30 - 1 }), 'gif'),
    ).rejects.toMatchObject({ status: 422, publicMessage: 'Source image frame resolution is too big' });
  });
});
