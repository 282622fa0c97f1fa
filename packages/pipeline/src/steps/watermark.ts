import { type CompassGravity, defaultOptions, type Gravity, type ProcessingOptions } from '@tintype/url';
import { createContext, eachFrame, frameSize, type PipelineContext, type Step } from '../context.js';
import { calcPosition } from '../gravity.js';
import { roundToEven, scaleToEven } from '../imath.js';
import {
  bytesPerPixel,
  extract,
  hasAlpha,
  type Pixels,
  samples,
  transform,
  withAlpha,
  withSamples,
} from '../pixels.js';
import { checkSourceLimits, readHeader } from '../probe.js';
import { guardVectorSize } from './guard-vector-size.js';
import { padding } from './padding.js';
import { rotateAndFlip } from './rotate-and-flip.js';
import { scale } from './scale.js';
import { scaleOnLoad } from './scale-on-load.js';

/**
 * Draws the configured watermark image over the result: at one of nine positions with offsets,
 * or tiled (`re`), scaled relative to the result when `scale` is set, at the URL's opacity
 * times IMGPROXY_WATERMARK_OPACITY.
 */
export const watermark: Step = async (ctx) => {
  const { watermark: wm } = ctx.options;
  const source = ctx.settings.watermark;
  if (wm.opacity === 0 || !source) return;

  const { width, height } = frameSize(ctx);
  const offsetScale = ctx.geometry.dprScale;
  const replicate = wm.position === 're';
  let mark = await prepareWatermark(ctx, source, width, height, offsetScale);

  let left = 0;
  let top = 0;
  if (!replicate) {
    const gravity: Gravity = { type: wm.position as CompassGravity, x: wm.x, y: wm.y };
    ({ left, top } = calcPosition(width, height, mark.width, mark.height, gravity, offsetScale, true));
  }
  if (left >= width || top >= height || -left >= mark.width || -top >= mark.height) return;

  // Only the part over the image is drawn; sharp wants overlays inside the base image.
  const visible = {
    left: Math.max(0, -left),
    top: Math.max(0, -top),
    width: Math.min(mark.width, width - left) - Math.max(0, -left),
    height: Math.min(mark.height, height - top) - Math.max(0, -top),
  };
  if (visible.width !== mark.width || visible.height !== mark.height) {
    mark = await extract(mark, visible.left, visible.top, visible.width, visible.height);
  }
  const overlay = fade(await withAlpha(mark), wm.opacity * ctx.settings.watermarkOpacity);
  const at = { left: Math.max(0, left), top: Math.max(0, top) };

  await eachFrame(ctx, async (frame) => {
    const drawn = await transform(frame, (s) =>
      s.composite([{ input: overlay.data, raw: rawOf(overlay), ...at, blend: 'over' }]),
    );
    // Drawing must not give an opaque image an alpha channel.
    return hasAlpha(frame) || !hasAlpha(drawn) ? drawn : transform(drawn, (s) => s.removeAlpha());
  });
};

const rawOf = (p: Pixels) => ({ width: p.width, height: p.height, channels: p.channels });

/** Multiplies the alpha channel by the opacity. */
function fade(p: Pixels, opacity: number): Pixels {
  if (opacity >= 1) return p;
  const values = samples(p).slice();
  for (let i = 3; i < values.length; i += 4) values[i] = Math.round(values[i]! * opacity);
  return withSamples(p, values);
}

/**
 * The watermark goes through a small pipeline of its own, imgproxy's: fit into the result
 * scaled by `scale` (enlarging allowed), EXIF rotation, and for tiling a padding made of the offsets.
 */
async function prepareWatermark(
  ctx: PipelineContext,
  input: Buffer,
  imgWidth: number,
  imgHeight: number,
  offsetScale: number,
): Promise<Pixels> {
  const header = await readHeader(input);
  checkSourceLimits(header.info, ctx.options.security, 1);

  const wm = ctx.options.watermark;
  const options: ProcessingOptions = {
    ...defaultOptions(),
    resizingType: 'fit',
    dpr: 1,
    enlarge: true,
    security: ctx.options.security,
  };
  if (wm.scale > 0) {
    options.width = Math.max(scaleToEven(imgWidth, wm.scale), 1);
    options.height = Math.max(scaleToEven(imgHeight, wm.scale), 1);
  }
  if (wm.position === 're') {
    // Offsets of a tiled watermark are the gaps between tiles.
    const padX = Math.abs(wm.x) >= 1 ? roundToEven(wm.x * offsetScale) : scaleToEven(imgWidth, wm.x);
    const padY = Math.abs(wm.y) >= 1 ? roundToEven(wm.y * offsetScale) : scaleToEven(imgHeight, wm.y);
    const half = (v: number) => Math.trunc(v / 2);
    options.padding = {
      left: half(padX),
      right: padX - half(padX),
      top: half(padY),
      bottom: padY - half(padY),
    };
  }

  const wmCtx = createContext({
    input,
    source: header.info,
    sourceMeta: header.meta,
    options,
    settings: ctx.settings,
    format: 'png',
    animated: false,
    frameCount: 1,
    highBitDepth: false,
  });
  for (const step of [guardVectorSize, scaleOnLoad, scale, rotateAndFlip, padding]) await step(wmCtx);
  const mark = wmCtx.frames[0]!;
  return wm.position === 're' ? replicateCentred(mark, imgWidth, imgHeight) : mark;
}

/** Tiles the image over width x height, an odd number of tiles each way so that one sits in the centre. */
export function replicateCentred(tile: Pixels, width: number, height: number): Pixels {
  const across = oddCeil(width / tile.width);
  const down = oddCeil(height / tile.height);
  // Where the width x height window starts on the full sheet of tiles.
  const left = Math.trunc((tile.width * across - width) / 2);
  const top = Math.trunc((tile.height * down - height) / 2);

  const pixel = bytesPerPixel(tile);
  const rowBytes = width * pixel;
  // Every output row is one of tile.height distinct rows; build those once.
  const rows = Array.from({ length: tile.height }, (_, ty) => {
    const row = Buffer.alloc(rowBytes);
    for (let x = 0; x < width; x++) {
      const from = (ty * tile.width + ((x + left) % tile.width)) * pixel;
      tile.data.copy(row, x * pixel, from, from + pixel);
    }
    return row;
  });
  const data = Buffer.alloc(rowBytes * height);
  for (let y = 0; y < height; y++) rows[(y + top) % tile.height]!.copy(data, y * rowBytes);
  return { ...tile, data, width, height };
}

function oddCeil(v: number): number {
  const n = Math.ceil(v);
  return n % 2 === 0 ? n + 1 : n;
}
