import { createHmac, timingSafeEqual } from 'node:crypto';
import { invalidSignature } from './errors.js';
import { decodeBase64Url } from './go-text.js';

/** One IMGPROXY_KEY / IMGPROXY_SALT pair, decoded from hex. */
export interface KeyPair {
  key: Buffer;
  salt: Buffer;
}

/** What signature checking needs from the settings. */
export interface SignatureSettings {
  keys: readonly KeyPair[];
  signatureSize: number;
  trustedSignatures: readonly string[];
}

const FULL_SIZE = 32;

/** The raw HMAC-SHA256(key, salt + path), truncated to `size` bytes. */
function digest(path: string, pair: KeyPair, size: number): Buffer {
  const mac = createHmac('sha256', pair.key);
  mac.update(pair.salt);
  // imgproxy signs the path with its leading slash and adds one if the caller dropped it.
  if (!path.startsWith('/')) mac.update('/');
  mac.update(path);
  return mac.digest().subarray(0, Math.min(size, FULL_SIZE));
}

/** The signature for `path` (everything after the signature segment, leading `/` included). */
export function signPath(path: string, pair: KeyPair, signatureSize = FULL_SIZE): string {
  return digest(path, pair, signatureSize).toString('base64url');
}

/**
 * Accepts or throws (403). `signedPath` must be the very string the options and source are then
 * read from: verifying one string and interpreting another is how signature bypasses happen.
 */
export function verifySignature(signature: string, signedPath: string, settings: SignatureSettings): void {
  if (settings.keys.length === 0) {
    // Signing is off, so the first segment is a placeholder (`insecure`, `_`, ...). One holding the
    // arguments separator is almost surely a processing option with the signature left out, and
    // reading it as a placeholder would silently drop that option.
    if (signature.includes(':')) {
      throw invalidSignature(
        'The signature appears to be a processing option. The signature section should always be present in the URL.',
      );
    }
    return;
  }

  // Trusted signatures are operator-issued bearer tokens; they skip the HMAC by design, and are
  // compared in constant time like any other secret.
  const presented = Buffer.from(signature);
  let trusted = false;
  for (const t of settings.trustedSignatures) {
    const candidate = Buffer.from(t);
    if (candidate.length === presented.length && timingSafeEqual(candidate, presented)) trusted = true;
  }
  if (trusted) return;

  const given = decodeBase64Url(signature);
  if (given === undefined) throw invalidSignature('Invalid signature encoding');

  // Every pair is tried (keys rotate with zero downtime), each with a constant-time comparison so
  // the response time says nothing about how many leading bytes matched. A length mismatch is not
  // secret (the size is configuration), so it may short-circuit.
  let ok = false;
  for (const pair of settings.keys) {
    const expected = digest(signedPath, pair, settings.signatureSize);
    if (expected.length === given.length && timingSafeEqual(expected, given)) ok = true;
  }
  if (!ok) throw invalidSignature('Invalid signature');
}

const HEX = /^(?:[0-9a-fA-F]{2})+$/;

function hexList(csv: string | undefined, what: string): Buffer[] {
  if (csv === undefined || csv.trim() === '') return [];
  return csv.split(',').map((part, i) => {
    const hex = part.trim();
    // An empty key or salt would make signatures trivially forgeable by anyone who guesses it.
    if (!HEX.test(hex)) {
      throw new Error(`${what} #${i + 1} is not a non-empty hex-encoded string: "${hex}"`);
    }
    return Buffer.from(hex, 'hex');
  });
}

/**
 * Decodes IMGPROXY_KEY and IMGPROXY_SALT (hex, comma-separated, paired by position). Both empty
 * means signing is off. Throws a plain Error naming the problem.
 */
export function parseKeyPairs(keyCsv: string | undefined, saltCsv: string | undefined): KeyPair[] {
  const keys = hexList(keyCsv, 'IMGPROXY_KEY entry');
  const salts = hexList(saltCsv, 'IMGPROXY_SALT entry');
  if (keys.length !== salts.length) {
    throw new Error(
      `IMGPROXY_KEY and IMGPROXY_SALT must have the same number of entries (keys: ${keys.length}, salts: ${salts.length})`,
    );
  }
  return keys.map((key, i) => ({ key, salt: salts[i]! }));
}
