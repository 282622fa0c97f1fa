import type { Span } from './types.js';

/**
 * The names parts of a request go by, in metric labels and trace spans alike: imgproxy's, so
 * dashboards and trace queries built for imgproxy keep working. `cache` (the lookup in the
 * internal cache) is Tintype's own.
 */
export const SPAN_NAMES: Record<Span, string> = {
  queue: 'queue',
  download: 'downloading_image',
  processing: 'processing_image',
  cache: 'cache',
};
