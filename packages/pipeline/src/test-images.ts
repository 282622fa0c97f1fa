/** Synthetic test images, made with sharp so that no binary fixtures are needed. Test-only. */
import type { ImageFormat } from '@tintype/url';
import sharp, { type Sharp } from 'sharp';

/** A 3x3 grid of distinct colours, named by compass region, so a probe can tell which part of the source it sees. */
export const REGIONS = {
  nowe: [255, 0, 0],
  no: [0, 255, 0],
  noea: [0, 0, 255],
  we: [255, 255, 0],
  ce: [255, 0, 255],
  ea: [0, 255, 255],
  sowe: [128, 0, 255],
  so: [0, 128, 0],
  soea: [255, 128, 0],
} as const;
export type Region = keyof typeof REGIONS;
const GRID: Region[][] = [
  ['nowe', 'no', 'noea'],
  ['we', 'ce', 'ea'],
  ['sowe', 'so', 'soea'],
];

export function gridPixels(
  width = 200,
  height = 100,
): { data: Buffer; width: number; height: number; channels: 3 } {
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const colour = REGIONS[GRID[Math.floor((y * 3) / height)]![Math.floor((x * 3) / width)]!];
      data.set(colour, (y * width + x) * 3);
    }
  }
  return { data, width, height, channels: 3 };
}

/** The grid encoded as `format` (PNG by default): 200x100 unless told otherwise. */
export async function gridImage(format: ImageFormat = 'png', width = 200, height = 100): Promise<Buffer> {
  const p = gridPixels(width, height);
  return encode(sharp(p.data, { raw: { width, height, channels: 3 } }), format);
}

export function encode(s: Sharp, format: ImageFormat): Promise<Buffer> {
  switch (format) {
    case 'jpeg':
      return s.jpeg({ quality: 95 }).toBuffer();
    case 'webp':
      return s.webp({ quality: 95 }).toBuffer();
    case 'avif':
      return s.avif({ quality: 80, effort: 0 }).toBuffer();
    case 'gif':
      return s.gif().toBuffer();
    case 'tiff':
      return s.tiff().toBuffer();
    default:
      return s.png().toBuffer();
  }
}

/** Decodes an encoded result and reads the colour at (x, y). */
export async function colourAt(image: Buffer, x: number, y: number): Promise<number[]> {
  const { data, info } = await sharp(image).raw().toBuffer({ resolveWithObject: true });
  const i = (y * info.width + x) * info.channels;
  return [...data.subarray(i, i + info.channels)];
}

/** The grid region whose colour is nearest to the given one. */
export function regionOf(colour: number[]): Region {
  let best: Region = 'ce';
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const [name, c] of Object.entries(REGIONS) as [Region, readonly number[]][]) {
    const d = c.reduce((sum, v, i) => sum + (v - colour[i]!) ** 2, 0);
    if (d < bestDistance) [best, bestDistance] = [name, d];
  }
  return best;
}

export async function regionAt(image: Buffer, x: number, y: number): Promise<Region> {
  return regionOf(await colourAt(image, x, y));
}

export async function sizeOf(
  image: Buffer,
): Promise<{ width: number; height: number; format: string | undefined }> {
  const m = await sharp(image).metadata();
  return { width: m.width!, height: m.pageHeight ?? m.height!, format: m.format };
}
