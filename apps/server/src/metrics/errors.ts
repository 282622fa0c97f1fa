import type { TintypeError } from '@tintype/url';

/**
 * The `type` label of errors_total: imgproxy's error categories, derived from our error codes.
 * Errors of the internal cache are `cache`, Tintype's own category.
 */
export function errorCategory(e: TintypeError): string {
  switch (e.code) {
    case 'INVALID_URL':
    case 'INVALID_OPTION':
    case 'EXPIRED_URL':
      return 'path_parsing';
    case 'INVALID_SIGNATURE':
    case 'INVALID_SECRET':
    case 'FORBIDDEN':
    case 'SOURCE_FORBIDDEN':
      return 'security';
    case 'SOURCE_TOO_BIG':
      return 'image_data_size';
    case 'TIMEOUT':
      return 'timeout';
    case 'QUEUE_FULL':
      return 'queue';
    case 'UNPROCESSABLE_IMAGE':
      return 'processing';
    case 'INTERNAL':
      return 'unexpected';
  }
  if (e.code.startsWith('SOURCE_')) return 'download';
  if (e.code.startsWith('CACHE_')) return 'cache';
  return e.status >= 500 ? 'unexpected' : 'processing';
}
