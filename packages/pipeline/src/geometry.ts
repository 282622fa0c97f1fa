import type { Gravity, ProcessingOptions } from '@tintype/url';
import { minNonZero, nonZero, scale, scaleToEven } from './imath.js';

/**
 * The numbers imgproxy's pipeline carries from step to step (its processing `Context`), computed
 * the way `prepare.go` computes them. Every size a step produces comes from here, which is what
 * makes our result sizes equal imgproxy's.
 */
export interface Geometry {
  /** Source size as it will look after EXIF and user rotation. */
  srcWidth: number;
  srcHeight: number;
  /** Rotation and mirroring that the EXIF orientation asks for (0 when auto_rotate is off). */
  angle: number;
  flip: boolean;
  cropWidth: number;
  cropHeight: number;
  cropGravity: Gravity;
  wScale: number;
  hScale: number;
  dprScale: number;
  /** Requested size times dpr and zoom; 0 when not requested. */
  targetWidth: number;
  targetHeight: number;
  scaledWidth: number;
  scaledHeight: number;
  resultCropWidth: number;
  resultCropHeight: number;
  extendAspectRatioWidth: number;
  extendAspectRatioHeight: number;
}

export interface GeometryInput {
  /** Pixel size as stored, before any orientation is applied. */
  width: number;
  height: number;
  orientation: number;
  isVector: boolean;
}

/** Rotation and mirroring for an EXIF orientation value (1-8). */
export function orientationTransform(
  orientation: number,
  autoRotate: boolean,
): { angle: number; flip: boolean } {
  if (!autoRotate) return { angle: 0, flip: false };
  const angle =
    orientation === 3 || orientation === 4 ? 180 : orientation === 5 || orientation === 6 ? 90 : 0;
  return {
    angle: orientation === 7 || orientation === 8 ? 270 : angle,
    flip: orientation === 2 || orientation === 4 || orientation === 5 || orientation === 7,
  };
}

/** The user's rotation as 0, 90, 180 or 270 (the URL parser only admits multiples of 90). */
export const userRotation = (po: ProcessingOptions): number =>
  (((Math.round(po.rotate / 90) * 90) % 360) + 360) % 360;

/** imgproxy's CalcCropSize: 0 means no crop, >= 1 is pixels, below 1 a fraction of the side. */
export function cropSize(orig: number, crop: number): number {
  if (crop === 0) return 0;
  if (crop >= 1) return Math.trunc(crop);
  return Math.max(1, scale(orig, crop));
}

export function calcGeometry(input: GeometryInput, po: ProcessingOptions): Geometry {
  const { angle, flip } = orientationTransform(input.orientation, po.autoRotate);
  const swap = (angle + userRotation(po)) % 180 !== 0;
  const srcWidth = swap ? input.height : input.width;
  const srcHeight = swap ? input.width : input.height;

  const g: Geometry = {
    srcWidth,
    srcHeight,
    angle,
    flip,
    cropWidth: cropSize(srcWidth, po.crop.width),
    cropHeight: cropSize(srcHeight, po.crop.height),
    cropGravity: { ...(po.crop.gravity ?? po.gravity) },
    wScale: 1,
    hScale: 1,
    dprScale: 1,
    targetWidth: 0,
    targetHeight: 0,
    scaledWidth: 0,
    scaledHeight: 0,
    resultCropWidth: 0,
    resultCropHeight: 0,
    extendAspectRatioWidth: 0,
    extendAspectRatioHeight: 0,
  };

  const widthToScale = minNonZero(g.cropWidth, srcWidth);
  const heightToScale = minNonZero(g.cropHeight, srcHeight);

  calcScale(g, widthToScale, heightToScale, po, input.isVector);
  calcSizes(g, widthToScale, heightToScale, po);
  limitScale(g, widthToScale, heightToScale, po);
  return g;
}

function calcScale(
  g: Geometry,
  width: number,
  height: number,
  po: ProcessingOptions,
  isVector: boolean,
): void {
  let wshrink = 1;
  let hshrink = 1;
  const dstW = nonZero(po.width, width);
  const dstH = nonZero(po.height, height);

  if (dstW !== width) wshrink = width / dstW;
  if (dstH !== height) hshrink = height / dstH;

  if (wshrink !== 1 || hshrink !== 1) {
    let rt = po.resizingType;
    if (rt === 'auto') {
      // Same orientation of source and target: fill; crossed: fit.
      const srcD = width - height;
      const dstD = dstW - dstH;
      rt = (srcD >= 0 && dstD >= 0) || (srcD < 0 && dstD < 0) ? 'fill' : 'fit';
    }

    if (po.width === 0 && rt !== 'force') wshrink = hshrink;
    else if (po.height === 0 && rt !== 'force') hshrink = wshrink;
    else if (rt === 'fit') wshrink = hshrink = Math.max(wshrink, hshrink);
    else if (rt === 'fill' || rt === 'fill-down') wshrink = hshrink = Math.min(wshrink, hshrink);
  }

  wshrink /= po.zoomWidth;
  hshrink /= po.zoomHeight;
  g.dprScale = po.dpr;

  // Vectors render at any size, so "enlarging" one costs no quality.
  if (!po.enlarge && !isVector) {
    const minShrink = Math.min(wshrink, hshrink);
    if (minShrink < 1) {
      wshrink /= minShrink;
      hshrink /= minShrink;
      // The target is out of reach without enlarging; a dpr below 1 would move the result even
      // further from it, so compensate, except with extend, which keeps the composition dpr-independent.
      if (!po.extend.enabled) g.dprScale /= minShrink;
    }
    // The largest dpr that still does not enlarge the image.
    g.dprScale = Math.min(g.dprScale, Math.min(wshrink, hshrink));
  }

  if (po.minWidth > 0) {
    const minShrink = width / po.minWidth;
    if (minShrink < wshrink) {
      hshrink /= wshrink / minShrink;
      wshrink = minShrink;
    }
  }
  if (po.minHeight > 0) {
    const minShrink = height / po.minHeight;
    if (minShrink < hshrink) {
      wshrink /= hshrink / minShrink;
      hshrink = minShrink;
    }
  }

  wshrink /= g.dprScale;
  hshrink /= g.dprScale;
  // Never below one pixel.
  wshrink = Math.min(wshrink, width);
  hshrink = Math.min(hshrink, height);

  g.wScale = 1 / wshrink;
  g.hScale = 1 / hshrink;
}

function calcSizes(g: Geometry, widthToScale: number, heightToScale: number, po: ProcessingOptions): void {
  g.targetWidth = scale(po.width, g.dprScale * po.zoomWidth);
  g.targetHeight = scale(po.height, g.dprScale * po.zoomHeight);
  g.scaledWidth = scale(widthToScale, g.wScale);
  g.scaledHeight = scale(heightToScale, g.hScale);

  g.resultCropWidth = g.targetWidth;
  g.resultCropHeight = g.targetHeight;
  if (po.resizingType === 'fill-down' && !po.enlarge) {
    // fill-down never enlarges: keep the requested aspect ratio inside what the image has.
    const diffW = g.targetWidth / g.scaledWidth;
    const diffH = g.targetHeight / g.scaledHeight;
    if (diffW > diffH && diffW > 1) {
      g.resultCropHeight = scale(g.scaledWidth, g.targetHeight / g.targetWidth);
      g.resultCropWidth = g.scaledWidth;
    } else if (diffH > diffW && diffH > 1) {
      g.resultCropWidth = scale(g.scaledHeight, g.targetWidth / g.targetHeight);
      g.resultCropHeight = g.scaledHeight;
    }
  }

  if (po.extendAspectRatio.enabled && g.targetWidth > 0 && g.targetHeight > 0) {
    const outWidth = minNonZero(g.scaledWidth, g.resultCropWidth);
    const outHeight = minNonZero(g.scaledHeight, g.resultCropHeight);
    const diffW = g.targetWidth / outWidth;
    const diffH = g.targetHeight / outHeight;
    if (diffH > diffW) {
      g.extendAspectRatioHeight = scale(outWidth, g.targetHeight / g.targetWidth);
      g.extendAspectRatioWidth = outWidth;
    } else if (diffW > diffH) {
      g.extendAspectRatioWidth = scale(outHeight, g.targetWidth / g.targetHeight);
      g.extendAspectRatioHeight = outHeight;
    }
  }
}

/** The size the result will have (before format limits), padding included: what max_result_dimension limits. */
export function plannedSize(g: Geometry, po: ProcessingOptions): { width: number; height: number } {
  let width = minNonZero(g.scaledWidth, g.resultCropWidth);
  let height = minNonZero(g.scaledHeight, g.resultCropHeight);
  if (po.extend.enabled) {
    width = Math.max(width, g.targetWidth);
    height = Math.max(height, g.targetHeight);
  } else if (po.extendAspectRatio.enabled) {
    width = Math.max(width, g.extendAspectRatioWidth);
    height = Math.max(height, g.extendAspectRatioHeight);
  }
  width += scaleToEven(po.padding.left, g.dprScale) + scaleToEven(po.padding.right, g.dprScale);
  height += scaleToEven(po.padding.top, g.dprScale) + scaleToEven(po.padding.bottom, g.dprScale);
  return { width, height };
}

/** max_result_dimension: scale everything down so that the final image, padding included, fits. */
function limitScale(g: Geometry, widthToScale: number, heightToScale: number, po: ProcessingOptions): void {
  const limit = po.security.maxResultDimension;
  if (limit <= 0) return;

  const out = plannedSize(g, po);
  if (out.width <= limit && out.height <= limit) return;

  const downScale = limit / Math.max(out.width, out.height);
  g.wScale = Math.max(g.wScale * downScale, 1 / widthToScale);
  g.hScale = Math.max(g.hScale * downScale, 1 / heightToScale);
  g.dprScale *= downScale;
  calcSizes(g, widthToScale, heightToScale, po);
}
