import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { decodeBase64Url, encodeBase64Url, utf8 } from './go-text.js';

const BLOCK = 16;
const KEY_SIZES = [16, 24, 32];

const cipherName = (key: Buffer) => `aes-${key.length * 8}-cbc`;

/**
 * Decodes IMGPROXY_SOURCE_URL_ENCRYPTION_KEY. Empty means `/enc/` sources are refused. Throws a
 * plain Error naming the problem.
 */
export function parseEncryptionKey(hex: string | undefined): Buffer | null {
  if (hex === undefined || hex.trim() === '') return null;
  const trimmed = hex.trim();
  if (!/^(?:[0-9a-fA-F]{2})+$/.test(trimmed)) {
    throw new Error('IMGPROXY_SOURCE_URL_ENCRYPTION_KEY is not a hex-encoded string');
  }
  const key = Buffer.from(trimmed, 'hex');
  if (!KEY_SIZES.includes(key.length)) {
    throw new Error(
      `IMGPROXY_SOURCE_URL_ENCRYPTION_KEY must be 16, 24 or 32 bytes (AES-128/192/256), got ${key.length}`,
    );
  }
  return key;
}

/**
 * base64url(IV + AES-CBC(PKCS#7-padded source)), the form imgproxy Pro reads after `/enc/`.
 * The IV is random unless given: a fixed IV per source keeps URLs stable for CDNs, but deriving
 * one safely needs a second secret, which is the caller's to hold.
 */
export function encryptSourceUrl(sourceUrl: string, key: Buffer, iv: Buffer = randomBytes(BLOCK)): string {
  if (iv.length !== BLOCK) throw new Error('The IV must be 16 bytes');
  const cipher = createCipheriv(cipherName(key), key, iv);
  return encodeBase64Url(Buffer.concat([iv, cipher.update(sourceUrl, 'utf8'), cipher.final()]));
}

/**
 * The source URL, or undefined when the text is not something `encryptSourceUrl` could have made
 * with this key. Callers verify the signature first: answering differently to good and bad
 * padding on unsigned input would be a padding oracle.
 */
export function decryptSourceUrl(encoded: string, key: Buffer): string | undefined {
  const blob = decodeBase64Url(encoded);
  if (blob === undefined || blob.length < 2 * BLOCK || blob.length % BLOCK !== 0) return undefined;
  try {
    const decipher = createDecipheriv(cipherName(key), key, blob.subarray(0, BLOCK));
    return utf8(Buffer.concat([decipher.update(blob.subarray(BLOCK)), decipher.final()]));
  } catch {
    return undefined;
  }
}
