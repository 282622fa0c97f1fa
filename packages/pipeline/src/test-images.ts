/** Synthetic test images, made with sharp so that no binary fixtures are needed. Test-only. */
import { defaultOptions, type ImageFormat, type ProcessingOptions } from '@tintype/url';
import sharp, { type Sharp } from 'sharp';
import type { PipelineContext } from './context.js';
import { contextFor, type ProcessedImage, processImage } from './pipeline.js';
import { readHeader } from './probe.js';
import { createPipelineSettings, type PipelineSettings } from './settings.js';

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

/** Default options with some fields set. */
export function optionsWith(patch: Partial<ProcessingOptions> = {}): ProcessingOptions {
  return Object.assign(defaultOptions(), patch);
}

export const testSettings = (patch: Partial<PipelineSettings> = {}): PipelineSettings =>
  createPipelineSettings(patch);

/** Runs the whole pipeline with default settings. */
export function run(
  input: Buffer,
  patch: Partial<ProcessingOptions> = {},
  format: ImageFormat = 'png',
  settings: Partial<PipelineSettings> = {},
): Promise<ProcessedImage> {
  return processImage(input, optionsWith(patch), testSettings(settings), format);
}

/** A context ready for the first step, for testing steps one by one. */
export async function contextOf(
  input: Buffer,
  patch: Partial<ProcessingOptions> = {},
  format: ImageFormat = 'png',
  settings: Partial<PipelineSettings> = {},
): Promise<PipelineContext> {
  return contextFor(input, await readHeader(input), optionsWith(patch), testSettings(settings), format);
}

/**
 * The grid stored so that EXIF `orientation` displays it upright: what a camera writes when held
 * sideways. The inverse of imgproxy's rotate-then-mirror reading of each orientation.
 */
export async function orientedGrid(
  orientation: number,
  format: 'png' | 'jpeg' = 'png',
  width = 200,
  height = 100,
): Promise<Buffer> {
  const p = gridPixels(width, height);
  const base = () => sharp(p.data, { raw: { width: p.width, height: p.height, channels: 3 } });
  const undo: Record<number, (s: Sharp) => Sharp> = {
    1: (s) => s,
    2: (s) => s.flop(),
    3: (s) => s.rotate(180),
    4: (s) => s.flip(),
    5: (s) => s.flop().rotate(270),
    6: (s) => s.rotate(270),
    7: (s) => s.flop().rotate(90),
    8: (s) => s.rotate(90),
  };
  const stored = await undo[orientation]!(base()).png().toBuffer();
  const tagged = sharp(stored).withMetadata({ orientation });
  return format === 'jpeg' ? tagged.jpeg({ quality: 95 }).toBuffer() : tagged.png().toBuffer();
}

/** An image drawn pixel by pixel from a function returning [r, g, b] or [r, g, b, a]. */
export async function drawn(
  width: number,
  height: number,
  colour: (x: number, y: number) => number[],
): Promise<Buffer> {
  const channels = colour(0, 0).length as 3 | 4;
  const data = Buffer.alloc(width * height * channels);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) data.set(colour(x, y), (y * width + x) * channels);
  return sharp(data, { raw: { width, height, channels } }).png().toBuffer();
}

/**
 * imgproxy's trim test images, redrawn (testdata/trim1.png, trim2.png, trim3.png; checked pixel for
 * pixel against the originals). trim1: 350x250, grey frames 255, 204, 153, 102, 51 around a black
 * 200x100 centre, 10 px wide at the top and left, 20 px at the bottom and right.
 */
export const trimImages = {
  frames: () =>
    drawn(350, 250, (x, y) => {
      const ringX = x < 50 ? Math.floor(x / 10) : x >= 250 ? Math.floor((349 - x) / 20) : 5;
      const ringY = y < 50 ? Math.floor(y / 10) : y >= 150 ? Math.floor((249 - y) / 20) : 5;
      const ring = Math.min(ringX, ringY);
      const v = ring >= 5 ? 0 : 255 - 51 * ring;
      return [v, v, v];
    }),
  /** 200x200: red rows 0-29, green 30-129, blue 130-199. */
  stripes: () => drawn(200, 200, (_, y) => (y < 30 ? [255, 0, 0] : y < 130 ? [0, 255, 0] : [0, 0, 255])),
  /** As stripes, with the blue part fully transparent. */
  transparent: () =>
    drawn(200, 200, (_, y) => (y < 30 ? [255, 0, 0, 255] : y < 130 ? [0, 255, 0, 255] : [0, 0, 0, 0])),
};
