import { eachFrame, type Step } from '../context.js';
import { type Pixels, samples, transform, withSamples } from '../pixels.js';

/**
 * sharp's accepted sigmas. Below the minimum a Gaussian changes nothing visible; above the
 * maximum nothing more is left to change. Clamped, because sharp throws outside them, and a URL
 * may ask for any value (a fuzz run found `sh:3e-29` answering 500).
 */
const BLUR_SIGMA = [0.3, 1000] as const;
const SHARPEN_SIGMA = [0.000001, 10] as const;
const clamp = (v: number, [min, max]: readonly [number, number]) => Math.min(max, Math.max(min, v));

/** blur, sharpen and pixelate, in that order, as imgproxy applies them. */
export const applyFilters: Step = async (ctx) => {
  const { blur, sharpen } = ctx.options;
  if (blur === 0 && sharpen === 0 && ctx.options.pixelate <= 1) return;

  await eachFrame(ctx, async (frame) => {
    let out = frame;
    if (blur > 0) out = await transform(out, (s) => s.blur(clamp(blur, BLUR_SIGMA)));
    // m1/m2 are libvips' own defaults, which imgproxy uses; sharp's defaults differ.
    if (sharpen > 0)
      out = await transform(out, (s) => s.sharpen({ sigma: clamp(sharpen, SHARPEN_SIGMA), m1: 0, m2: 3 }));
    const size = Math.min(ctx.options.pixelate, Math.max(out.width, out.height));
    return size > 1 ? pixelate(out, size) : out;
  });
};

/**
 * Each size x size block becomes its average colour: libvips shrink then zoom, as imgproxy does,
 * with the image mirrored past its edges so that partial blocks average like whole ones.
 */
export function pixelate(image: Pixels, size: number): Pixels {
  const { width, height, channels } = image;
  const data = samples(image);
  const out = data.slice();
  const sums = new Float64Array(channels);
  const mirror = (v: number, n: number) => {
    const m = v % (2 * n);
    return m < n ? m : 2 * n - 1 - m;
  };

  for (let by = 0; by < height; by += size) {
    for (let bx = 0; bx < width; bx += size) {
      sums.fill(0);
      for (let y = by; y < by + size; y++) {
        const row = mirror(y, height) * width;
        for (let x = bx; x < bx + size; x++) {
          const i = (row + mirror(x, width)) * channels;
          for (let c = 0; c < channels; c++) sums[c]! += data[i + c]!;
        }
      }
      const area = size * size;
      for (let y = by; y < Math.min(by + size, height); y++) {
        for (let x = bx; x < Math.min(bx + size, width); x++) {
          const i = (y * width + x) * channels;
          for (let c = 0; c < channels; c++) out[i + c] = Math.round(sums[c]! / area);
        }
      }
    }
  }
  return withSamples(image, out);
}
