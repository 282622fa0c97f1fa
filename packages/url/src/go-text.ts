/**
 * Text parsing with the exact acceptance rules of the Go functions imgproxy calls (strconv,
 * encoding/base64, url.PathUnescape), so that a URL imgproxy accepts is accepted here and one it
 * rejects is rejected here. Each returns `undefined` for input Go would reject.
 */

const INT = /^[+-]?[0-9]+$/;
const UINT = /^[0-9]+$/;
// Decimal forms only: Go also takes `inf`, `nan` and hex floats, which no sane URL uses and which
// would put non-finite numbers into the options (see the report on differences from imgproxy).
// Written without overlapping repeats, so a long run of digits cannot make it backtrack.
const FLOAT = /^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;

/** strconv.Atoi, limited to integers JavaScript holds exactly. */
export function goInt(s: string): number | undefined {
  if (!INT.test(s)) return undefined;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n + 0 : undefined;
}

/** strconv.ParseUint(s, 10, bits). */
export function goUint(s: string, max: number): number | undefined {
  if (!UINT.test(s)) return undefined;
  const n = Number(s);
  return n <= max ? n : undefined;
}

/** strconv.ParseFloat(s, 64), finite decimal numbers only. */
export function goFloat(s: string): number | undefined {
  if (!FLOAT.test(s)) return undefined;
  const n = Number(s);
  return Number.isFinite(n) ? n + 0 : undefined;
}

const TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

/** strconv.ParseBool. */
export function goBool(s: string): boolean | undefined {
  if (TRUE.has(s)) return true;
  if (FALSE.has(s)) return false;
  return undefined;
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;

/**
 * base64.RawURLEncoding.DecodeString after trimming trailing `=`, as imgproxy decodes sources and
 * encoded filenames. Node's own decoder skips characters it does not know, so check first.
 */
export function decodeBase64Url(s: string): Buffer | undefined {
  const raw = s.replace(/=+$/, '');
  if (!BASE64URL.test(raw) || raw.length % 4 === 1) return undefined;
  return Buffer.from(raw, 'base64url');
}

export function encodeBase64Url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Bytes to text, refusing bytes that are not UTF-8 (Go would pass them on untouched). */
export function utf8(bytes: Uint8Array): string | undefined {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}

const HEX_DIGIT = /^[0-9a-fA-F]{2}$/;

/** url.PathUnescape: `%XX` escapes only (a `+` stays a `+`); a broken escape is an error. */
export function pathUnescape(s: string): string | undefined {
  if (!s.includes('%')) return s;
  const bytes: number[] = [];
  const raw = Buffer.from(s, 'utf8');
  for (let i = 0; i < raw.length; i++) {
    const b = raw[i]!;
    if (b !== 0x25) {
      bytes.push(b);
      continue;
    }
    const hex = raw.subarray(i + 1, i + 3).toString('latin1');
    if (!HEX_DIGIT.test(hex)) return undefined;
    bytes.push(Number.parseInt(hex, 16));
    i += 2;
  }
  return utf8(Uint8Array.from(bytes));
}

/** How Go's `%s` prints a []string, for error messages that read like imgproxy's. */
export const goList = (args: readonly string[]): string => `[${args.join(' ')}]`;
