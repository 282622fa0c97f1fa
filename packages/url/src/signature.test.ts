import { describe, expect, it } from 'vitest';
import { TintypeError } from './errors.js';
import {
  type KeyPair,
  parseKeyPairs,
  type SignatureSettings,
  signPath,
  verifySignature,
} from './signature.js';

const pair = (key: string, salt: string): KeyPair => ({ key: Buffer.from(key), salt: Buffer.from(salt) });

const settings = (over: Partial<SignatureSettings> = {}): SignatureSettings => ({
  keys: [pair('test-key', 'test-salt')],
  signatureSize: 32,
  trustedSignatures: [],
  ...over,
});

function statusOf(fn: () => void): number | 'ok' {
  try {
    fn();
    return 'ok';
  } catch (e) {
    expect(e).toBeInstanceOf(TintypeError);
    return (e as TintypeError).status;
  }
}

describe('signPath', () => {
  it('matches the vector in imgproxy’s documentation', () => {
    const path = '/rs:fill:300:400:0/g:sm/aHR0cDovL2V4YW1w/bGUuY29tL2ltYWdl/cy9jdXJpb3NpdHku/anBn.png';
    expect(signPath(path, pair('secret', 'hello'))).toBe('oKfUtW34Dvo2BGQehJFR4Nr0_rIjOtdtzJ3QFsUcXH8');
  });

  it('adds the leading slash when the path lacks it, as imgproxy does', () => {
    expect(signPath('asd', pair('test-key', 'test-salt'))).toBe(
      signPath('/asd', pair('test-key', 'test-salt')),
    );
  });

  it('truncates to the signature size', () => {
    expect(signPath('/asd', pair('test-key', 'test-salt'), 8)).toBe('oWaL7QoW5Ts');
  });
});

// The cases of imgproxy's security/signature_test.go.
describe('verifySignature', () => {
  it('accepts a correct signature', () => {
    expect(
      statusOf(() => verifySignature('oWaL7QoW5TsgbuiS9-5-DI8S3Ibbo1gdB2SteJh3a20', 'asd', settings())),
    ).toBe('ok');
  });

  it('accepts a truncated signature when the size says so, and only then', () => {
    expect(statusOf(() => verifySignature('oWaL7QoW5Ts', 'asd', settings({ signatureSize: 8 })))).toBe('ok');
    expect(statusOf(() => verifySignature('oWaL7QoW5Ts', 'asd', settings()))).toBe(403);
  });

  it('tries every key/salt pair', () => {
    const s = settings({ keys: [pair('test-key', 'test-salt'), pair('test-key2', 'test-salt2')] });
    expect(statusOf(() => verifySignature('jYz1UZ7j1BCdSzH3pZhaYf0iuz0vusoOTdqJsUT6WXI', 'asd', s))).toBe(
      'ok',
    );
    expect(statusOf(() => verifySignature('oWaL7QoW5TsgbuiS9-5-DI8S3Ibbo1gdB2SteJh3a20', 'asd', s))).toBe(
      'ok',
    );
    expect(statusOf(() => verifySignature('dtLwhdnPPis', 'asd', s))).toBe(403);
  });

  it('accepts trusted signatures verbatim', () => {
    const s = settings({ trustedSignatures: ['truested'] });
    expect(statusOf(() => verifySignature('truested', 'asd', s))).toBe('ok');
    expect(statusOf(() => verifySignature('untrusted', 'asd', s))).toBe(403);
  });

  it('refuses a signature that is not base64url', () => {
    expect(statusOf(() => verifySignature('not+base64/', 'asd', settings()))).toBe(403);
    expect(statusOf(() => verifySignature('oWaL7QoW5Ts=', 'asd', settings({ signatureSize: 8 })))).toBe('ok');
  });

  it('refuses a signature over other bytes, however close', () => {
    const good = signPath('/w:100/plain/http://a/b.jpg', pair('test-key', 'test-salt'));
    expect(statusOf(() => verifySignature(good, '/w:100/plain/http://a/b.jpg', settings()))).toBe('ok');
    expect(statusOf(() => verifySignature(good, '/w:101/plain/http://a/b.jpg', settings()))).toBe(403);
    expect(statusOf(() => verifySignature(good, '/w:100/plain/http://a/b.jpg/', settings()))).toBe(403);
  });

  it('accepts any placeholder when signing is off, except one that looks like an option', () => {
    const off = settings({ keys: [] });
    for (const placeholder of ['unsafe', 'insecure', '_', 'anything']) {
      expect(statusOf(() => verifySignature(placeholder, '/x', off))).toBe('ok');
    }
    expect(statusOf(() => verifySignature('rs:fit:300:300', '/x', off))).toBe(403);
  });
});

describe('parseKeyPairs', () => {
  it('decodes comma-separated hex lists into pairs', () => {
    const pairs = parseKeyPairs('736563726574, 6b6579', '68656C6C6F,73616c74');
    expect(pairs.map((p) => [p.key.toString(), p.salt.toString()])).toEqual([
      ['secret', 'hello'],
      ['key', 'salt'],
    ]);
  });

  it('reads empty or missing values as signing off', () => {
    expect(parseKeyPairs('', '')).toEqual([]);
    expect(parseKeyPairs(undefined, undefined)).toEqual([]);
  });

  it('names the problem', () => {
    expect(() => parseKeyPairs('zz', '00')).toThrow(/IMGPROXY_KEY entry #1 .*hex/);
    expect(() => parseKeyPairs('00', 'abc')).toThrow(/IMGPROXY_SALT entry #1/);
    expect(() => parseKeyPairs('00,', '00,11')).toThrow(/IMGPROXY_KEY entry #2/);
    expect(() => parseKeyPairs('00,11', '00')).toThrow(/same number of entries \(keys: 2, salts: 1\)/);
    expect(() => parseKeyPairs('00', '')).toThrow(/keys: 1, salts: 0/);
  });
});
