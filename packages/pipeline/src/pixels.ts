import sharp, { type Sharp } from 'sharp';

/**
 * One frame of decoded pixels: 8-bit sRGB, with or without alpha. Steps pass these between each
 * other, because sharp applies the operations of one instance in its own fixed order while
 * imgproxy's geometry depends on the order of its steps.
 */
export interface Pixels {
  data: Buffer;
  width: number;
  height: number;
  channels: 3 | 4;
}

export const hasAlpha = (p: Pixels): boolean => p.channels === 4;

/** A sharp instance over our own pixels; pageHeight marks them as frames of an animation stacked top to bottom. */
export function sharpOf(p: Pixels, pageHeight?: number): Sharp {
  return sharp(p.data, {
    raw: { width: p.width, height: p.height, channels: p.channels, ...(pageHeight ? { pageHeight } : {}) },
    // These are pixels we decoded or computed, already bounded by the source and result limits;
    // sharp's input pixel limit is for untrusted files.
    limitInputPixels: false,
  });
}

/** Runs a sharp instance and returns its pixels, always as sRGB with 3 or 4 channels. */
export async function render(s: Sharp): Promise<Pixels> {
  const { data, info } = await s.toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  if (info.channels === 3 || info.channels === 4) {
    return { data, width: info.width, height: info.height, channels: info.channels };
  }
  // Grey (+alpha) can come out of a decoder; widen it so that every step sees one layout.
  const wide = await sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } })
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  return {
    data: wide.data,
    width: info.width,
    height: info.height,
    channels: wide.info.channels === 4 ? 4 : 3,
  };
}

export const transform = (p: Pixels, op: (s: Sharp) => Sharp): Promise<Pixels> => render(op(sharpOf(p)));

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

/** vips_resize semantics: each side becomes round(side * scale), at least one pixel. */
export function resize(p: Pixels, wscale: number, hscale: number, linear = false): Promise<Pixels> {
  const width = Math.max(1, Math.round(p.width * wscale));
  const height = Math.max(1, Math.round(p.height * hscale));
  if (width === p.width && height === p.height) return Promise.resolve(p);
  return transform(p, (s) => {
    // Linear light keeps averages of bright and dark pixels from darkening (IMGPROXY_USE_LINEAR_COLORSPACE).
    const base = linear ? s.pipelineColourspace('scrgb') : s;
    return base.resize(width, height, { fit: 'fill' });
  });
}

/** Several frames of one size stacked vertically, as sharp takes and gives animations. */
export function stack(frames: Pixels[]): Pixels {
  const first = frames[0]!;
  if (frames.length === 1) return first;
  return { ...first, data: Buffer.concat(frames.map((f) => f.data)), height: first.height * frames.length };
}

export function unstack(p: Pixels, pageHeight: number): Pixels[] {
  const frameBytes = p.width * pageHeight * p.channels;
  const frames: Pixels[] = [];
  for (let offset = 0; offset + frameBytes <= p.data.length; offset += frameBytes) {
    frames.push({ ...p, height: pageHeight, data: p.data.subarray(offset, offset + frameBytes) });
  }
  return frames;
}

/** The colour at (x, y), for tests and for trim's "smart" background. */
export function pixelAt(p: Pixels, x: number, y: number): number[] {
  const i = (y * p.width + x) * p.channels;
  return [...p.data.subarray(i, i + p.channels)];
}
