import sharp, { type Sharp } from 'sharp';

// Every request brings a different image, so libvips' operation cache would only hold memory
// (imgproxy turns it off as well).
sharp.cache(false);

/**
 * One frame of decoded pixels: sRGB with or without alpha, 8 bits per sample, or 16 when
 * preserve_hdr keeps a deep source deep. Steps pass these between each other, because sharp
 * applies the operations of one instance in its own fixed order while imgproxy's geometry
 * depends on the order of its steps.
 */
export interface Pixels {
  /** Samples, row by row; 16-bit samples in the machine's byte order. */
  data: Buffer;
  width: number;
  height: number;
  channels: 3 | 4;
  depth: 8 | 16;
}

export const hasAlpha = (p: Pixels): boolean => p.channels === 4;
export const maxSample = (p: Pixels): number => (p.depth === 16 ? 65535 : 255);
export const bytesPerPixel = (p: Pixels): number => (p.channels * p.depth) / 8;

/** The samples as numbers: one entry per channel of each pixel. */
export function samples(p: Pixels): Uint8Array | Uint16Array {
  if (p.depth === 8) return p.data;
  // A Uint16Array needs an even offset; Buffers from pools may not have one.
  const data = p.data.byteOffset % 2 === 0 ? p.data : Buffer.from(p.data);
  return new Uint16Array(data.buffer, data.byteOffset, data.length / 2);
}

/** Pixels of the same shape as `like` over new samples. */
export function withSamples(like: Pixels, values: Uint8Array | Uint16Array): Pixels {
  return { ...like, data: Buffer.from(values.buffer, values.byteOffset, values.byteLength) };
}

/** A sharp instance over our own pixels; pageHeight marks them as frames of an animation stacked top to bottom. */
export function sharpOf(p: Pixels, pageHeight?: number): Sharp {
  return sharp(samples(p), {
    raw: { width: p.width, height: p.height, channels: p.channels, ...(pageHeight ? { pageHeight } : {}) },
    // These are pixels we decoded or computed, already bounded by the source and result limits;
    // sharp's input pixel limit is for untrusted files.
    limitInputPixels: false,
  });
}

/** Runs a sharp instance and returns its pixels as sRGB with 3 or 4 channels, at the given depth. */
export async function render(s: Sharp, depth: 8 | 16 = 8): Promise<Pixels> {
  const srgb =
    depth === 16 ? s.toColourspace('rgb16').raw({ depth: 'ushort' }) : s.toColourspace('srgb').raw();
  const { data, info } = await srgb.toBuffer({ resolveWithObject: true });
  // Converting to sRGB widens grey to three channels (and grey + alpha to four).
  if (info.channels !== 3 && info.channels !== 4)
    throw new Error(`unexpected ${info.channels}-channel pixels`);
  return { data, width: info.width, height: info.height, channels: info.channels, depth };
}

export const transform = (p: Pixels, op: (s: Sharp) => Sharp): Promise<Pixels> =>
  render(op(sharpOf(p)), p.depth);

export function withAlpha(p: Pixels): Promise<Pixels> | Pixels {
  return hasAlpha(p) ? p : transform(p, (s) => s.ensureAlpha(1));
}

export function extract(
  p: Pixels,
  left: number,
  top: number,
  width: number,
  height: number,
): Promise<Pixels> {
  return transform(p, (s) => s.extract({ left, top, width, height }));
}

/**
 * libvips `embed` as imgproxy uses it: a transparent width x height canvas with the image at
 * (left, top). Parts of the image that fall outside the canvas are cut off.
 */
export async function embed(
  p: Pixels,
  width: number,
  height: number,
  left: number,
  top: number,
): Promise<Pixels> {
  let out = await withAlpha(p);
  const grow = {
    left: Math.max(0, left),
    top: Math.max(0, top),
    right: Math.max(0, width - p.width - left),
    bottom: Math.max(0, height - p.height - top),
  };
  if (grow.left || grow.top || grow.right || grow.bottom) {
    out = await transform(out, (s) => s.extend({ ...grow, background: { r: 0, g: 0, b: 0, alpha: 0 } }));
  }
  if (out.width !== width || out.height !== height) {
    out = await extract(out, Math.max(0, -left), Math.max(0, -top), width, height);
  }
  return out;
}

/** The size vips_resize gives: each side round(side * scale), at least one pixel. */
export function resizedSize(
  p: { width: number; height: number },
  wscale: number,
  hscale: number,
): { width: number; height: number } {
  return {
    width: Math.max(1, Math.round(p.width * wscale)),
    height: Math.max(1, Math.round(p.height * hscale)),
  };
}

/** vips_resize semantics: each side becomes round(side * scale), at least one pixel. */
export function resize(p: Pixels, wscale: number, hscale: number, linear = false): Promise<Pixels> {
  const { width, height } = resizedSize(p, wscale, hscale);
  if (width === p.width && height === p.height) return Promise.resolve(p);
  return transform(p, (s) => {
    // Linear light keeps averages of bright and dark pixels from darkening (IMGPROXY_USE_LINEAR_COLORSPACE).
    const base = linear ? s.pipelineColourspace('scrgb') : s;
    return base.resize(width, height, { fit: 'fill' });
  });
}

/**
 * Drops alpha onto a background colour given in 8-bit terms: out = in * a + bg * (1 - a), as
 * libvips flattens (and unlike sharp, which scales the background by 256 for 16-bit images).
 */
export function flattenOnto(p: Pixels, background: { r: number; g: number; b: number }): Pixels {
  if (!hasAlpha(p)) return p;
  const max = maxSample(p);
  const scale = max / 255;
  const bg = [background.r * scale, background.g * scale, background.b * scale];
  const src = samples(p);
  const out = p.depth === 16 ? new Uint16Array((src.length / 4) * 3) : new Uint8Array((src.length / 4) * 3);
  for (let i = 0, o = 0; i < src.length; i += 4, o += 3) {
    const a = src[i + 3]! / max;
    for (let c = 0; c < 3; c++) out[o + c] = Math.round(src[i + c]! * a + bg[c]! * (1 - a));
  }
  return { ...withSamples(p, out), channels: 3 };
}

/** Several frames of one size stacked vertically, as sharp takes and gives animations. */
export function stack(frames: Pixels[]): Pixels {
  const first = frames[0]!;
  if (frames.length === 1) return first;
  return { ...first, data: Buffer.concat(frames.map((f) => f.data)), height: first.height * frames.length };
}

export function unstack(p: Pixels, pageHeight: number): Pixels[] {
  const frameBytes = p.width * pageHeight * bytesPerPixel(p);
  const frames: Pixels[] = [];
  for (let offset = 0; offset + frameBytes <= p.data.length; offset += frameBytes) {
    frames.push({ ...p, height: pageHeight, data: p.data.subarray(offset, offset + frameBytes) });
  }
  return frames;
}
