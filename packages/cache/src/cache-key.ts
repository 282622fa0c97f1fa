/**
 * The cache key, built in this one module from typed inputs (STYLE #6). Object names are
 * `<prefix>/<sourceHash>/<variantHash>`: every variant of one source sits under one directory, so
 * purging a source is one deletePrefix.
 */
import { createHash } from 'node:crypto';
import { checkKey } from './adapters/validate.js';

/**
 * Bumped when the same options would produce different bytes (a pipeline change), so that old
 * entries stop matching. It is part of the variant hash only: a purge by source URL still finds
 * the entries of every schema version.
 */
export const SCHEMA_VERSION = 1;

export interface CacheKeyInput {
  /** The canonical source URL: plain, base64 and encrypted forms of one URL give the same string. */
  sourceUrl: string;
  /** Canonical processing options from @tintype/url: presets expanded, defaults applied, fixed order,
   * `cachebuster` included; never the signature, `expires`, `filename` or `return_attachment`. */
  options: string;
  /** The resolved output format (explicit, extension, Accept-negotiated or the source's own). */
  format: string;
  /** Values of the request headers named in IMGPROXY_CACHE_KEY_HEADERS (names are case-insensitive). */
  headers: Record<string, string>;
  /** Values of the cookies named in IMGPROXY_CACHE_KEY_COOKIES. */
  cookies: Record<string, string>;
  /** A digest of the server settings that change output bytes for the same options. */
  settingsFingerprint: string;
}

export interface CacheKey {
  /** sha256 hex of the source URL: 64 characters. */
  sourceHash: string;
  /** sha256 hex of everything else, and of the source hash: 64 characters, unique on its own. */
  variantHash: string;
  /** The storage key: `<prefix>/<sourceHash>/<variantHash>`, or without the prefix when it is empty. */
  objectKey: string;
}

const sha256 = (value: unknown) => createHash('sha256').update(JSON.stringify(value)).digest('hex');

/** Entries sorted by name, so that the order a map was built in cannot change the key. */
const sorted = (record: Record<string, string>) =>
  Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

export function hashSource(sourceUrl: string): string {
  return sha256(['tintype-source', sourceUrl]);
}

export function cacheKey(input: CacheKeyInput, prefix = ''): CacheKey {
  // Every field is named here, and the rest must be empty: a field added to CacheKeyInput fails to
  // compile until the key accounts for it (so no option can reach the output without the key).
  const { sourceUrl, options, format, headers, cookies, settingsFingerprint, ...rest } = input;
  const unaccounted: Record<string, never> = rest;
  void unaccounted;

  const sourceHash = hashSource(sourceUrl);
  const lowerHeaders = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  // JSON of a fixed-shape array: no separator inside a value can make two inputs serialize alike.
  const variantHash = sha256([
    'tintype-variant',
    SCHEMA_VERSION,
    sourceHash,
    options,
    format,
    sorted(lowerHeaders),
    sorted(cookies),
    settingsFingerprint,
  ]);
  return { sourceHash, variantHash, objectKey: join(normalizePrefix(prefix), sourceHash, variantHash) };
}

/** The directory holding every variant of one source (with a trailing slash), for purging. */
export function sourcePrefix(prefix: string, sourceUrl: string): string {
  return `${join(normalizePrefix(prefix), hashSource(sourceUrl))}/`;
}

/**
 * IMGPROXY_CACHE_PATH_PREFIX without surrounding slashes (`/a/b/` -> `a/b`). It must itself be a
 * plain relative path: a `..` in it would move the cache outside its root on fs.
 */
export function normalizePrefix(prefix: string): string {
  const trimmed = prefix.replace(/^\/+|\/+$/g, '');
  return trimmed === '' ? '' : checkKey(trimmed);
}

const join = (...parts: string[]) => parts.filter((p) => p !== '').join('/');
