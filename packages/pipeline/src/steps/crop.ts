import type { Gravity } from '@tintype/url';
import sharp, { type Sharp } from 'sharp';
import { eachFrame, type Step } from '../context.js';
import { userRotation } from '../geometry.js';
import { calcPosition, rotateAndFlipGravity } from '../gravity.js';
import { minNonZero } from '../imath.js';
import { extract, type Pixels, transform } from '../pixels.js';

/**
 * The `crop` option. It runs before scaling and rotation (cheaper on fewer pixels), so its
 * gravity is turned and mirrored into the coordinates of the unrotated source first.
 */
export const crop: Step = async (ctx) => {
  const g = ctx.geometry;
  const { flip } = ctx.options;
  const rotation = userRotation(ctx.options);

  // Undo the user's rotation and flips, then the EXIF ones: the reverse of the order they are applied in.
  let gravity = rotateAndFlipGravity(g.cropGravity, rotation, flip.horizontal, flip.vertical);
  gravity = rotateAndFlipGravity(gravity, g.angle, g.flip, false);

  const turned = (g.angle + rotation) % 180 === 90;
  const [width, height] = turned ? [g.cropHeight, g.cropWidth] : [g.cropWidth, g.cropHeight];
  // Crop sizes are in source pixels: dpr does not apply.
  await eachFrame(ctx, (frame) => cropImage(frame, width, height, gravity, 1));
};

/** Cuts width x height (0 = the whole side) out of the image where the gravity says. */
export async function cropImage(
  image: Pixels,
  width: number,
  height: number,
  gravity: Gravity,
  offsetScale: number,
): Promise<Pixels> {
  const box = cropBox(image, width, height, gravity, offsetScale);
  if (!box) return image;
  if (gravity.type === 'sm') return smartCrop(image, box.width, box.height);
  return extract(image, box.left, box.top, box.width, box.height);
}

/** Where cropImage cuts with a compass or focus-point gravity; null when it leaves the image whole. */
export function cropBox(
  image: { width: number; height: number },
  width: number,
  height: number,
  gravity: Gravity,
  offsetScale: number,
): { left: number; top: number; width: number; height: number } | null {
  if (width === 0 && height === 0) return null;
  const w = minNonZero(width, image.width);
  const h = minNonZero(height, image.height);
  if (w >= image.width && h >= image.height) return null;
  const { left, top } = calcPosition(image.width, image.height, w, h, gravity, offsetScale, false);
  return { left, top, width: w, height: h };
}

/**
 * sharp's attention strategy (libvips smartcrop) without scaling. sharp only runs it inside a
 * "cover" resize, which would scale the image whenever both sides shrink; cropping one side at a
 * time keeps the scale at 1. The hottest point found on the first pass stays inside the strip
 * the second pass searches, so the window ends up where one 2-D search would put it.
 */
async function smartCrop(image: Pixels, width: number, height: number): Promise<Pixels> {
  const cover = (w: number, h: number) => (s: Sharp) =>
    s.resize(w, h, { fit: 'cover', position: sharp.strategy.attention });
  const strip = width < image.width ? await transform(image, cover(width, image.height)) : image;
  return height < strip.height ? transform(strip, cover(width, height)) : strip;
}
