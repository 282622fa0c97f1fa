import { describe, expect, it } from 'vitest';
import { decryptSourceUrl, encryptSourceUrl, parseEncryptionKey } from './encryption.js';

// The worked example of imgproxy's "Encrypting a source URL" documentation.
const DOC_KEY = Buffer.from('1eb5b0e971ad7f45324c1bb15c947cb207c43152fa5c6c7f35c4f36e0c18e0f1', 'hex');
const DOC_IV = Buffer.from('A79563A2B35D86CEE6451C3C800F535A', 'hex');
const DOC_URL = 'http://example.com/images/curiosity.jpg';
const DOC_ENCRYPTED =
  'p5VjorNdhs7mRRw8gA9TWoRlGci3l1kuzqN43UQlRaRIQ0qtBKW3qFABIsx-ZRz_cVc8iVTYbhsNsxNBL1BHaQ';

describe('source URL encryption', () => {
  it('matches the documented example both ways', () => {
    expect(encryptSourceUrl(DOC_URL, DOC_KEY, DOC_IV)).toBe(DOC_ENCRYPTED);
    expect(decryptSourceUrl(DOC_ENCRYPTED, DOC_KEY)).toBe(DOC_URL);
  });

  it.each([16, 24, 32])('round-trips with a %i-byte key and a random IV', (size) => {
    const key = Buffer.alloc(size, 7);
    const url = 'https://example.com/ünïcode path/a.png?x=1&y=2';
    const a = encryptSourceUrl(url, key);
    const b = encryptSourceUrl(url, key);
    expect(a).not.toBe(b);
    expect(decryptSourceUrl(a, key)).toBe(url);
    expect(decryptSourceUrl(b, key)).toBe(url);
  });

  it('refuses what the key could not have produced', () => {
    const other = Buffer.alloc(32, 1);
    expect(decryptSourceUrl(DOC_ENCRYPTED, other)).toBeUndefined();
    expect(decryptSourceUrl(DOC_ENCRYPTED.slice(0, 22), DOC_KEY)).toBeUndefined(); // IV only
    expect(decryptSourceUrl(DOC_ENCRYPTED.slice(0, -3), DOC_KEY)).toBeUndefined(); // not block-aligned
    expect(decryptSourceUrl('not base64!', DOC_KEY)).toBeUndefined();
    expect(decryptSourceUrl('', DOC_KEY)).toBeUndefined();
  });

  it('parses the key from hex and names the problem', () => {
    expect(parseEncryptionKey('')).toBeNull();
    expect(parseEncryptionKey(undefined)).toBeNull();
    expect(parseEncryptionKey('00'.repeat(24))?.length).toBe(24);
    expect(() => parseEncryptionKey('00'.repeat(20))).toThrow(/16, 24 or 32 bytes.*got 20/);
    expect(() => parseEncryptionKey('xyz')).toThrow(/not a hex-encoded string/);
  });
});
