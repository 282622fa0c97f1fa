/**
 * The client side: building and signing URLs in imgproxy's language, for applications that link to
 * Tintype (or imgproxy). For the same input it produces what the official `@imgproxy/imgproxy-node`
 * builder produces, except that it also escapes the characters that would break a plain source.
 */
import { encryptSourceUrl, parseEncryptionKey } from './encryption.js';
import { encodeBase64Url } from './go-text.js';
import { type KeyPair, parseKeyPairs, signPath } from './signature.js';
import type { SourceEncoding } from './source.js';

export type OptionArg = string | number | boolean | null | undefined;

/**
 * Options in the order they go into the URL, by any of their names (`rs`, `resize`, ...), either as
 * `[name, ...args]` tuples or as an object whose values are one argument or an array of them.
 * `true`/`false` are written `t`/`f`; `null`/`undefined` leave a position empty.
 */
export type BuildOptions =
  | readonly (readonly [name: string, ...args: OptionArg[]])[]
  | Readonly<Record<string, OptionArg | readonly OptionArg[]>>;

export interface BuildUrlInput {
  /** Base URL of the server, e.g. `https://img.example.com` (a trailing `/` is dropped); '' for a bare path. */
  endpoint?: string;
  /** The source image URL, in clear. */
  source: string;
  /** How the source is written: `base64` (the default, as in the official builder), `plain` or `encrypted`. */
  encoding?: SourceEncoding;
  options?: BuildOptions;
  /** Output format as an extension (`@png` / `.png`). */
  extension?: string;
  /** A last `/filename` segment, for base64 or encrypted sources with IMGPROXY_BASE64_URL_INCLUDES_FILENAME. */
  filename?: string;
  /** Signing pair, hex text as in IMGPROXY_KEY / IMGPROXY_SALT (the first pair of a list), or decoded. */
  key?: string | Buffer;
  salt?: string | Buffer;
  /** IMGPROXY_SIGNATURE_SIZE; 32 by default. */
  signatureSize?: number;
  /** Placeholder written instead of a signature when no key is given. */
  unsignedPlaceholder?: string;
  /** For `encrypted`: IMGPROXY_SOURCE_URL_ENCRYPTION_KEY (hex text or decoded). */
  encryptionKey?: string | Buffer;
  /** For `encrypted`: a 16-byte IV (hex or decoded); random when left out. */
  iv?: string | Buffer;
  /** IMGPROXY_ARGUMENTS_SEPARATOR; `:` by default. */
  argumentsSeparator?: string;
}

const fromHex = (v: string | Buffer): Buffer => (typeof v === 'string' ? Buffer.from(v, 'hex') : v);

function signingPair(input: BuildUrlInput): KeyPair | undefined {
  const { key, salt } = input;
  if (!key || !salt || key.length === 0 || salt.length === 0) return undefined;
  if (typeof key !== 'string' || typeof salt !== 'string') return { key: fromHex(key), salt: fromHex(salt) };
  return parseKeyPairs(key.split(',')[0], salt.split(',')[0])[0];
}

function writeArg(a: OptionArg, separator: string): string {
  if (a === null || a === undefined) return '';
  const text = a === true ? 't' : a === false ? 'f' : String(a);
  if (text.includes('/') || text.includes(separator)) {
    throw new Error(`An option argument cannot contain "/" or "${separator}": ${text}`);
  }
  return text;
}

/** `name:arg:arg/...` for the options, trailing empty positions dropped. */
export function optionsPath(options: BuildOptions, separator = ':'): string {
  const entries: (readonly [string, ...OptionArg[]])[] = Array.isArray(options)
    ? [...(options as readonly (readonly [string, ...OptionArg[]])[])]
    : Object.entries(options as Record<string, OptionArg | readonly OptionArg[]>).map(
        ([name, v]) => [name, ...(Array.isArray(v) ? (v as OptionArg[]) : [v as OptionArg])] as const,
      );
  return entries
    .map(([name, ...args]) => {
      const written = args.map((a) => writeArg(a, separator));
      while (written.length > 1 && written.at(-1) === '') written.pop();
      return [name, ...written].join(separator);
    })
    .join('/');
}

/**
 * A plain source as imgproxy reads it back (it percent-decodes it and splits the extension at `@`):
 * `%` first, then the characters that would end the path or the URL early.
 */
export const escapePlainSource = (url: string): string =>
  url.replaceAll('%', '%25').replaceAll('?', '%3F').replaceAll('@', '%40').replaceAll('#', '%23');

function sourcePath(input: BuildUrlInput): string {
  const ext = input.extension ? input.extension : '';
  const encoding = input.encoding ?? 'base64';
  if (encoding === 'plain') {
    if (input.filename) throw new Error('A filename segment only goes with base64 or encrypted sources');
    return `plain/${escapePlainSource(input.source)}${ext && `@${ext}`}`;
  }
  let body: string;
  if (encoding === 'encrypted') {
    const key =
      typeof input.encryptionKey === 'string' ? parseEncryptionKey(input.encryptionKey) : input.encryptionKey;
    if (!key) throw new Error('An encrypted source needs encryptionKey');
    body = `enc/${encryptSourceUrl(input.source, key, input.iv === undefined ? undefined : fromHex(input.iv))}`;
  } else {
    body = encodeBase64Url(input.source);
  }
  return `${body}${ext && `.${ext}`}${input.filename ? `/${input.filename}` : ''}`;
}

/** The full URL: endpoint, signature (or the placeholder), options, source. */
export function buildUrl(input: BuildUrlInput): string {
  const options = input.options ? optionsPath(input.options, input.argumentsSeparator ?? ':') : '';
  const path = `${options ? `/${options}` : ''}/${sourcePath(input)}`;
  const pair = signingPair(input);
  const signature = pair
    ? signPath(path, pair, input.signatureSize)
    : (input.unsignedPlaceholder ?? 'insecure');
  const endpoint = (input.endpoint ?? '').replace(/\/$/, '');
  return `${endpoint}/${signature}${path}`;
}
