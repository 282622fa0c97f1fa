/**
 * The fast path must give what the step list gives: the same size for every request it takes,
 * and nearly the same pixels (resampling in one pipeline rounds differently in places).
 */
import type { ImageFormat, ProcessingOptions, ResizingType } from '@tintype/url';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { fastPathApplies, runFastPath } from './fast-path.js';
import { processImage } from './pipeline.js';
import { contextOf, drawn, optionsWith, orientedGrid, testSettings } from './test-images.js';

/** A photo-like source: smooth gradients with detail, so that resampling differences show. */
const photo = (width: number, height: number, alpha = false) =>
  drawn(width, height, (x, y) => {
    const v = [(x * 255) / width, (y * 255) / height, 128 + 100 * Math.sin(x / 7) * Math.cos(y / 11)].map(
      Math.round,
    );
    return alpha ? [...v, x < width / 2 ? 255 : 128] : v;
  });
const asJpeg = async (png: Buffer) => sharp(png).jpeg({ quality: 92 }).toBuffer();
const asWebp = async (png: Buffer) => sharp(png).webp({ quality: 92 }).toBuffer();

const sources: Record<string, () => Promise<Buffer>> = {
  'jpeg 1203x801': async () => asJpeg(await photo(1203, 801)),
  'jpeg 640x1001': async () => asJpeg(await photo(640, 1001)),
  'webp 900x600': async () => asWebp(await photo(900, 600)),
  'png 333x222': () => photo(333, 222),
  'png alpha 400x300': () => photo(400, 300, true),
  'jpeg exif 6, 300x150': () => orientedGrid(6, 'jpeg', 300, 150),
  'jpeg exif 5, 320x200': () => orientedGrid(5, 'jpeg', 320, 200),
  'jpeg exif 3, 320x200': () => orientedGrid(3, 'jpeg', 320, 200),
  'png exif 8, 250x130': () => orientedGrid(8, 'png', 250, 130),
};

const resize =
  (resizingType: ResizingType, width: number, height: number, more: Partial<ProcessingOptions> = {}) =>
  (): Partial<ProcessingOptions> => ({ resizingType, width, height, ...more });

const requests: Record<string, () => Partial<ProcessingOptions>> = {
  'fit 512x512': resize('fit', 512, 512),
  'fit 100x0': resize('fit', 100, 0),
  'fit 0x77': resize('fit', 0, 77),
  'fit 150x150 dpr 2': resize('fit', 150, 150, { dpr: 2 }),
  'fit 2000x2000 enlarge': resize('fit', 2000, 2000, { enlarge: true }),
  'fit 2000x2000': resize('fit', 2000, 2000),
  'fill 100x100': resize('fill', 100, 100),
  'fill 301x99 gravity soea': resize('fill', 301, 99, { gravity: { type: 'soea', x: 0, y: 0 } }),
  'fill 120x200 gravity no offset 10,5': resize('fill', 120, 200, { gravity: { type: 'no', x: 10, y: 5 } }),
  'fill 160x90 focus point': resize('fill', 160, 90, { gravity: { type: 'fp', x: 0.8, y: 0.3 } }),
  'fill-down 500x500': resize('fill-down', 500, 500),
  'fill-down 90x300': resize('fill-down', 90, 300),
  'force 123x45': resize('force', 123, 45),
  'auto 200x100': resize('auto', 200, 100),
  'auto 100x200': resize('auto', 100, 200),
  'fit 256x256 zoom 1.5x0.7': resize('fit', 256, 256, { zoomWidth: 1.5, zoomHeight: 0.7 }),
  'fit 50x50 min-width 120': resize('fit', 50, 50, { minWidth: 120 }),
  'fill 64x64 min-height 90 dpr 3': resize('fill', 64, 64, { minHeight: 90, dpr: 3 }),
  'no resize': () => ({}),
  'fit 300x300 no auto-rotate': resize('fit', 300, 300, { autoRotate: false }),
  'fit 400x400 max result 150': () => {
    const o = optionsWith({ resizingType: 'fit', width: 400, height: 400 });
    o.security.maxResultDimension = 150;
    return { ...o };
  },
};

const formats: ImageFormat[] = ['jpeg', 'webp', 'png', 'avif'];

/** Mean absolute difference per sample, after decoding both to the same shape. */
async function meanDifference(a: Buffer, b: Buffer): Promise<number> {
  const pa = await sharp(a).raw().toBuffer({ resolveWithObject: true });
  const pb = await sharp(b).raw().toBuffer({ resolveWithObject: true });
  expect(pb.info.channels).toBe(pa.info.channels);
  let sum = 0;
  for (let i = 0; i < pa.data.length; i++) sum += Math.abs(pa.data[i]! - pb.data[i]!);
  return sum / pa.data.length;
}

describe('fast path against the step list', async () => {
  const settings = testSettings();
  const loaded = Object.fromEntries(
    await Promise.all(Object.entries(sources).map(async ([name, make]) => [name, await make()] as const)),
  );

  for (const [sourceName, input] of Object.entries(loaded)) {
    for (const [requestName, request] of Object.entries(requests)) {
      // Every source with every request as JPEG; the other formats on a sample of requests.
      const sample = requestName.startsWith('fill 1') || requestName === 'fit 512x512';
      const formatsHere = sample ? formats : ['jpeg'];
      // An alpha source keeps its alpha: the fast path does not flatten.
      const kept = formatsHere.filter((f) => !sourceName.includes('alpha') || f === 'png' || f === 'webp');
      for (const format of (kept.length > 0 ? kept : ['png']) as ImageFormat[]) {
        it(`${sourceName}, ${requestName}, ${format}`, async () => {
          const options = optionsWith(request());
          const ctx = await contextOf(input, options, format);
          expect(fastPathApplies(ctx)).toBe(true);

          // Run directly: processImage would quietly fall back to the step list on an error.
          const fast = (await runFastPath(ctx))!;
          expect(fast).not.toBeNull();
          const slow = await processImage(input, options, settings, format, { fastPath: false });
          expect([fast.width, fast.height, fast.format]).toEqual([slow.width, slow.height, slow.format]);
          const decoded = await sharp(fast.data).metadata();
          expect([decoded.width, decoded.height]).toEqual([slow.width, slow.height]);
          // JPEG's scaled decoding may be taken at another factor than the step list's decode
          // takes it (sharp picks it from the final size), and lossy encoders add their own noise;
          // a misplaced crop or a wrong orientation differs by tens.
          expect(await meanDifference(fast.data, slow.data)).toBeLessThan(4);
        });
      }
    }
  }
});

describe('what the fast path leaves to the step list', async () => {
  const input = await asJpeg(await photo(300, 200));
  const cases: Record<string, Partial<ProcessingOptions>> = {
    trim: {
      trim: { enabled: true, threshold: 10, color: null, equalHorizontal: false, equalVertical: false },
    },
    padding: { padding: { top: 1, right: 0, bottom: 0, left: 0 } },
    blur: { blur: 2 },
    'smart gravity': { gravity: { type: 'sm', x: 0, y: 0 } },
    rotate: { rotate: 90 },
    'kept metadata': { stripMetadata: false },
    'max bytes': { maxBytes: 1000 },
  };
  for (const [name, patch] of Object.entries(cases)) {
    it(name, async () => {
      expect(fastPathApplies(await contextOf(input, { width: 100, height: 100, ...patch }, 'jpeg'))).toBe(
        false,
      );
    });
  }
});
