import { decryptSourceUrl } from './encryption.js';
import { invalidUrl } from './errors.js';
import { decodeBase64Url, pathUnescape, utf8 } from './go-text.js';

export type SourceEncoding = 'plain' | 'base64' | 'encrypted';

/** One IMGPROXY_URL_REPLACEMENTS rule: a prefix pattern and a Go-style `$1` / `${1}` template. */
export interface UrlReplacement {
  pattern: RegExp;
  replacement: string;
}

/** What source decoding needs from the settings. */
export interface SourceSettings {
  base64UrlIncludesFilename: boolean;
  encryptionKey: Buffer | null;
  baseUrl: string;
  urlReplacements: readonly UrlReplacement[];
}

export interface DecodedSource {
  /** The final source URL, after replacements and the base URL. */
  url: string;
  encoding: SourceEncoding;
  /** The `@ext` / `.ext` suffix, or '' when there is none. */
  extension: string;
}

/**
 * Reads the source from the path segments that follow the options: `plain/%url@%ext`,
 * `enc/%encrypted.%ext` or `%base64.%ext` (the last two may be split by `/`).
 */
export function decodeSource(parts: readonly string[], settings: SourceSettings): DecodedSource {
  const [first, ...rest] = parts;
  if (first === undefined) throw invalidUrl('Image URL is empty');
  if (first === 'plain' && rest.length > 0) return decodePlain(rest, settings);
  if (first === 'enc' && rest.length > 0) return decodeEncoded(rest, 'encrypted', settings);
  return decodeEncoded(parts, 'base64', settings);
}

function splitExtension(text: string, mark: string): { body: string; extension: string } {
  const pieces = text.split(mark);
  if (pieces[0] === '') throw invalidUrl('Image URL is empty');
  if (pieces.length > 2) throw invalidUrl(`Multiple formats are specified: ${text}`);
  return { body: pieces[0]!, extension: pieces[1] ?? '' };
}

function decodePlain(parts: readonly string[], settings: SourceSettings): DecodedSource {
  const joined = parts.join('/');
  const { body, extension } = splitExtension(joined, '@');
  const url = pathUnescape(body);
  if (url === undefined) throw invalidUrl(`Invalid url encoding: ${joined}`);
  return { url: finalSourceUrl(url, settings), encoding: 'plain', extension };
}

function decodeEncoded(
  parts: readonly string[],
  encoding: 'base64' | 'encrypted',
  settings: SourceSettings,
): DecodedSource {
  const kept = parts.length > 1 && settings.base64UrlIncludesFilename ? parts.slice(0, -1) : parts;
  const joined = kept.join('');
  const { body, extension } = splitExtension(joined, '.');
  let url: string | undefined;
  if (encoding === 'base64') {
    const bytes = decodeBase64Url(body);
    url = bytes && utf8(bytes);
  } else {
    if (settings.encryptionKey === null) throw invalidUrl('Source URL encryption is not configured');
    url = decryptSourceUrl(body, settings.encryptionKey);
  }
  if (url === undefined) throw invalidUrl(`Invalid url encoding: ${joined}`);
  return { url: finalSourceUrl(url, settings), encoding, extension };
}

/** IMGPROXY_URL_REPLACEMENTS in order, then IMGPROXY_BASE_URL unless the URL already starts with it. */
export function finalSourceUrl(
  url: string,
  settings: Pick<SourceSettings, 'baseUrl' | 'urlReplacements'>,
): string {
  let out = url;
  for (const { pattern, replacement } of settings.urlReplacements) {
    out = out.replace(pattern, (...m: unknown[]) => {
      // The callback gets the match and groups, then offset and input (and named groups, if any).
      const tail = typeof m.at(-1) === 'object' ? 3 : 2;
      return expandGoTemplate(replacement, m.slice(0, -tail) as (string | undefined)[]);
    });
  }
  if (settings.baseUrl === '' || out.startsWith(settings.baseUrl)) return out;
  return settings.baseUrl + out;
}

const NAME = /^[A-Za-z0-9_]+/;

/**
 * Go's Regexp.Expand: `$1` and `${1}` name groups (the longest run of name characters, so `$1x`
 * is the group "1x", which never exists), `$$` is a `$`, and a malformed `$` stays literal.
 */
export function expandGoTemplate(template: string, groups: readonly (string | undefined)[]): string {
  let out = '';
  for (let i = 0; i < template.length; i++) {
    const c = template[i]!;
    if (c !== '$') {
      out += c;
      continue;
    }
    const rest = template.slice(i + 1);
    if (rest.startsWith('$')) {
      out += '$';
      i += 1;
      continue;
    }
    let name: string | undefined;
    let used = 0;
    if (rest.startsWith('{')) {
      const close = rest.indexOf('}');
      const inner = close < 0 ? '' : rest.slice(1, close);
      if (close > 0 && NAME.exec(inner)?.[0] === inner) {
        name = inner;
        used = close + 1;
      }
    } else {
      name = NAME.exec(rest)?.[0];
      used = name?.length ?? 0;
    }
    if (name === undefined) {
      out += '$';
      continue;
    }
    if (/^[0-9]+$/.test(name)) out += groups[Number(name)] ?? '';
    i += used;
  }
  return out;
}

/** imgproxy's wildcard patterns: a prefix match where `*` is any run of characters but `/`. */
export function wildcardPattern(wildcard: string): RegExp {
  const quoted = wildcard.split('*').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${quoted.join('([^/]*)')}`);
}

/**
 * Parses IMGPROXY_URL_REPLACEMENTS: `pattern=replacement` pairs separated by `;`. Throws a plain
 * Error naming the bad pair.
 */
export function parseUrlReplacements(raw: string | undefined): UrlReplacement[] {
  if (raw === undefined || raw === '') return [];
  return raw.split(';').map((pair) => {
    const eq = pair.indexOf('=');
    if (eq < 0) throw new Error(`IMGPROXY_URL_REPLACEMENTS: invalid key/value: ${pair}`);
    return { pattern: wildcardPattern(pair.slice(0, eq)), replacement: pair.slice(eq + 1) };
  });
}
