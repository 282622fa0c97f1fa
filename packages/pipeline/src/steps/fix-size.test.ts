import { describe, expect, it } from 'vitest';
import type { Pixels } from '../pixels.js';
import { contextOf, gridImage } from '../test-images.js';
import { fixSize } from './fix-size.js';

const strip = (width: number, height: number): Pixels => ({
  data: Buffer.alloc(width * height * 3, 200),
  width,
  height,
  channels: 3,
  depth: 8,
});

describe('fix size', () => {
  const cases: [string, 'webp' | 'avif' | 'gif' | 'png', [number, number], [number, number]][] = [
    ['WebP over 16383', 'webp', [20000, 2], [16383, 2]],
    ['AVIF over 16384', 'avif', [2, 20000], [2, 16384]],
    ['GIF over 65535', 'gif', [70000, 1], [65535, 1]],
    ['WebP within the limit', 'webp', [16383, 2], [16383, 2]],
    ['PNG has no limit', 'png', [70000, 1], [70000, 1]],
  ];
  for (const [name, format, [w, h], expected] of cases) {
    it(name, async () => {
      const ctx = await contextOf(await gridImage(), {}, format);
      ctx.frames = [strip(w, h)];
      await fixSize(ctx);
      expect([ctx.frames[0]!.width, ctx.frames[0]!.height]).toEqual(expected);
    });
  }
});
