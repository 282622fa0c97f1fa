import { invalidArgument } from './args.js';
import { invalidUrl } from './errors.js';
import { type ApplyContext, applyOptions, formatByName, splitOptions } from './option-table.js';
import { defaultOptions, type ProcessingOptions, RESIZING_TYPES } from './options.js';
import { splitSignature, stripPathPrefix } from './path.js';
import type { UrlSettings } from './settings.js';
import { verifySignature } from './signature.js';
import { decodeSource, type SourceEncoding } from './source.js';

export interface ParsedUrl {
  signature: string;
  /** Exactly what the signature covers (and what the rest was read from), leading `/` included. */
  signedPath: string;
  /** Defaults, then the `default` preset, then the URL's options; `format` set by the extension. */
  options: ProcessingOptions;
  /** The final source URL, after IMGPROXY_URL_REPLACEMENTS and IMGPROXY_BASE_URL. */
  sourceUrl: string;
  sourceEncoding: SourceEncoding;
}

/**
 * Parses and verifies a processing request target (`[prefix]/%signature/%options/%source`, as
 * received, still percent-encoded, query allowed). Throws only TintypeError: 403 for a bad
 * signature or a forbidden security option, 404 for anything else wrong with the URL.
 */
export function parsePath(target: string, settings: UrlSettings, now: Date = new Date()): ParsedUrl {
  return parseSignedRoute(stripPathPrefix(target, settings.pathPrefix), settings, now);
}

/**
 * The same for the part after a route prefix (`/%signature/%options/%source`), for routes such as
 * imgproxy Pro's `/info/...` that share the grammar.
 */
export function parseSignedRoute(rest: string, settings: UrlSettings, now: Date = new Date()): ParsedUrl {
  const { signature, signedPath } = splitSignature(rest);
  // The signature is checked before anything else is read, so unsigned input never reaches option
  // parsing or source decryption (the latter would otherwise be a padding oracle).
  verifySignature(signature, signedPath, settings);
  return { signature, signedPath, ...parseProcessingPath(signedPath, settings, now) };
}

export interface ParsedProcessingPath {
  options: ProcessingOptions;
  sourceUrl: string;
  sourceEncoding: SourceEncoding;
}

/** Reads options and source from an already verified signed path (`/%options/%source`). */
export function parseProcessingPath(
  signedPath: string,
  settings: UrlSettings,
  now: Date = new Date(),
): ParsedProcessingPath {
  const segments = signedPath.replace(/^\//, '').split('/');
  const ctx: ApplyContext = { settings, now, presetChain: [] };
  const options = defaultOptions(settings.optionDefaults);
  if (settings.presets.has('default'))
    applyOptions(options, [{ name: 'preset', args: ['default'] }], ctx, true);

  let sourceSegments: string[];
  if (settings.onlyPresets) {
    const [names = '', ...rest] = segments;
    applyOptions(options, [{ name: 'preset', args: names.split(settings.argumentsSeparator) }], ctx, true);
    sourceSegments = rest;
  } else {
    if ((RESIZING_TYPES as readonly string[]).includes(segments[0] ?? '')) {
      throw invalidUrl("It looks like you're using the deprecated basic URL format");
    }
    const { calls, rest } = splitOptions(segments, settings.argumentsSeparator);
    applyOptions(options, calls, ctx, false);
    sourceSegments = rest;
  }

  const source = decodeSource(sourceSegments, settings);
  // With `raw` the source is streamed as is, so the extension cannot ask for a conversion.
  if (!options.raw && source.extension !== '') {
    const format = formatByName(source.extension);
    if (format === undefined) throw invalidArgument('format', source.extension, 'supported image format');
    options.format = format;
  }
  return { options, sourceUrl: source.url, sourceEncoding: source.encoding };
}
