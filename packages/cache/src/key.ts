import { createHash } from 'node:crypto';

/**
 * Bumped whenever the pipeline's output for the same options changes, so old entries stop being
 * found instead of being served stale.
 */
export const SCHEMA_VERSION = 1;

/**
 * Everything a cached result depends on, and nothing else (DESIGN.md "Cache key"). Never the
 * signature and never header-only options: that is what lets entries survive key rotation.
 */
export interface CacheKeyInput {
  /** IMGPROXY_CACHE_PATH_PREFIX; may be empty. */
  prefix: string;
  /** The canonical (final) source URL: plain, base64 and encrypted forms give the same one. */
  sourceUrl: string;
  /** Canonical processing options (`canonicalOptions` of @tintype/url). */
  options: string;
  /** The requested output format and, when negotiation is on, the Accept flags that decide it. */
  format: string;
  /** Values of the headers named in IMGPROXY_CACHE_KEY_HEADERS (lowercase names). */
  headers: Record<string, string>;
  /** Values of the cookies named in IMGPROXY_CACHE_KEY_COOKIES. */
  cookies: Record<string, string>;
  /** A digest of the settings that change output bytes (quality defaults, encoders, watermark...). */
  settingsFingerprint: string;
}

export interface CacheKey {
  sourceHash: string;
  variantHash: string;
  /** `<prefix>/<hash(source)>/<hash(variant)>`: every variant of a source under one prefix. */
  objectKey: string;
}

const digest = (parts: unknown[]) => createHash('sha256').update(JSON.stringify(parts)).digest('hex');

const sorted = (record: Record<string, string>) =>
  Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

export function cacheKey(input: CacheKeyInput): CacheKey {
  // Destructured so that a field added to CacheKeyInput is visibly unused here until it is keyed.
  const { prefix, sourceUrl, options, format, headers, cookies, settingsFingerprint } = input;
  const sourceHash = digest(['source', sourceUrl]);
  const variantHash = digest([
    'variant',
    SCHEMA_VERSION,
    options,
    format,
    sorted(headers),
    sorted(cookies),
    settingsFingerprint,
  ]);
  return { sourceHash, variantHash, objectKey: `${sourcePrefix(prefix, sourceUrl)}/${variantHash}` };
}

/** The prefix every variant of one source lives under: purging a source is one prefix delete. */
export function sourcePrefix(prefix: string, sourceUrl: string): string {
  const clean = prefix.replace(/^\/+|\/+$/g, '');
  const sourceHash = digest(['source', sourceUrl]);
  return clean ? `${clean}/${sourceHash}` : sourceHash;
}
