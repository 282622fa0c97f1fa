/** imgproxy's CSP for every response: an image, or an SVG that must not run anything. */
export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox";

/**
 * `Content-Disposition` as imgproxy builds it: the stem from `filename` or from the source URL's
 * last path segment (or "image"), the extension of the result format.
 */
export function contentDisposition(
  sourceUrl: string,
  filename: string,
  ext: string,
  attachment: boolean,
): string {
  let stem = filename;
  if (stem === '') {
    const last = lastSegment(sourceUrl);
    const dot = last.lastIndexOf('.');
    stem = dot > 0 ? last.slice(0, dot) : last;
  }
  if (stem === '') stem = 'image';
  return `${attachment ? 'attachment' : 'inline'}; filename="${stem.replaceAll('"', '%22')}${ext}"`;
}

function lastSegment(url: string): string {
  let path = url;
  try {
    path = new URL(url).pathname;
  } catch {
    path = url.split(/[?#]/)[0] ?? '';
  }
  const segment = path.slice(path.lastIndexOf('/') + 1);
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

export interface CacheControlInput {
  ttl: number;
  /** Unix seconds after which the URL expires (`expires` option), or null. */
  expires: number | null;
  /** max-age cap for fallback images; 0 = none. */
  fallbackTtl?: number;
  /** The source's Cache-Control/Expires, when IMGPROXY_CACHE_CONTROL_PASSTHROUGH is on. */
  passthrough?: { cacheControl?: string; expires?: string };
  now?: number;
}

/**
 * `Cache-Control` of a successful response, by imgproxy's rules: an explicit max-age (from
 * `expires` or a fallback TTL) wins, then the source's headers when passed through, then
 * IMGPROXY_TTL; a zero TTL means `no-cache`.
 */
export function cacheControl(input: CacheControlInput): string {
  const now = input.now ?? Date.now();
  let maxAge = -1;
  if (input.fallbackTtl && input.fallbackTtl > 0) maxAge = input.fallbackTtl;
  if (input.expires !== null) {
    const untilExpiry = Math.max(0, Math.floor(input.expires - now / 1000));
    if (maxAge < 0 || untilExpiry < maxAge) maxAge = Math.min(input.ttl, untilExpiry);
  }
  if (maxAge > 0) return `max-age=${maxAge}, public`;
  if (maxAge < 0 && input.passthrough) {
    if (input.passthrough.cacheControl) return input.passthrough.cacheControl;
    const t = input.passthrough.expires ? Date.parse(input.passthrough.expires) : Number.NaN;
    if (!Number.isNaN(t) && t > now) return `max-age=${Math.floor((t - now) / 1000)}, public`;
  }
  if (maxAge < 0 && input.ttl > 0) return `max-age=${input.ttl}, public`;
  return 'no-cache';
}
