import { defaultOptions } from '@tintype/url';
import { describe, expect, it } from 'vitest';
import { fitBytes, resolveQuality } from './quality.js';
import { createPipelineSettings } from './settings.js';

describe('resolveQuality', () => {
  const settings = createPipelineSettings({ quality: 70, formatQuality: { webp: 60 } });

  it('takes the URL quality first', () => {
    const o = defaultOptions();
    o.quality = 33;
    o.formatQuality = { webp: 44 };
    expect(resolveQuality(o, settings, 'webp')).toBe(33);
  });

  it('then the URL format_quality', () => {
    const o = defaultOptions();
    o.formatQuality = { webp: 44 };
    expect(resolveQuality(o, settings, 'webp')).toBe(44);
  });

  it('then IMGPROXY_FORMAT_QUALITY, then IMGPROXY_QUALITY', () => {
    const o = defaultOptions();
    o.formatQuality = {};
    expect(resolveQuality(o, settings, 'webp')).toBe(60);
    expect(resolveQuality(o, settings, 'jpeg')).toBe(70);
    expect(resolveQuality(o, settings, 'avif')).toBe(63);
  });
});

describe('fitBytes', () => {
  it("steps the quality down as imgproxy's save_fit_bytes does", async () => {
    const tried: number[] = [];
    // Size = 1000 * quality: the limit of 20000 is met at quality 20 or lower.
    await fitBytes(20_000, 80, async (q) => {
      tried.push(q);
      return Buffer.alloc(1000 * q);
    });
    // 80: 4x over -> 80 * 0.25 = 20.
    expect(tried).toEqual([80, 20]);
  });

  it('lowers by at least one and stops at 10', async () => {
    const tried: number[] = [];
    const out = await fitBytes(1, 12, async (q) => {
      tried.push(q);
      return Buffer.alloc(100);
    });
    expect(tried).toEqual([12, 3]);
    expect(out.length).toBe(100);
  });
});
