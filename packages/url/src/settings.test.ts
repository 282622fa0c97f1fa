import { describe, expect, it } from 'vitest';
import { IMGPROXY_OPTION_DEFAULTS } from './options.js';
import { createUrlSettings } from './settings.js';
import { parseKeyPairs } from './signature.js';
import { opts } from './test-helpers.js';

describe('createUrlSettings', () => {
  it('fills imgproxy’s defaults', () => {
    const s = createUrlSettings();
    expect(s).toMatchObject({
      keys: [],
      signatureSize: 32,
      trustedSignatures: [],
      encryptionKey: null,
      pathPrefix: '',
      onlyPresets: false,
      argumentsSeparator: ':',
      allowedProcessingOptions: [],
      base64UrlIncludesFilename: false,
      baseUrl: '',
      urlReplacements: [],
      allowSecurityOptions: false,
      allowBypassCache: false,
      optionDefaults: IMGPROXY_OPTION_DEFAULTS,
    });
    expect(s.presets.size).toBe(0);
    expect(Object.isFrozen(s)).toBe(true);
  });

  it('takes the raw forms the environment gives', () => {
    const s = createUrlSettings({
      keys: parseKeyPairs('aa,bb', 'cc,dd'),
      encryptionKey: '00'.repeat(16),
      urlReplacements: 'a/=b/',
      presets: ['p=w:1'],
    });
    expect(s.keys).toHaveLength(2);
    expect(s.encryptionKey).toEqual(Buffer.alloc(16));
    expect(s.urlReplacements[0]?.replacement).toBe('b/');
    expect(s.presets.get('p')).toEqual([{ name: 'w', args: ['1'] }]);
  });

  it('feeds configured defaults into the options', () => {
    const o = opts('w:1', {
      optionDefaults: { stripMetadata: false, formatQuality: { png: 50 }, autoRotate: false },
    });
    expect(o).toMatchObject({ stripMetadata: false, autoRotate: false, formatQuality: { png: 50 } });
  });

  it('names what is wrong', () => {
    expect(() => createUrlSettings({ signatureSize: 0 })).toThrow(
      /signatureSize must be an integer from 1 to 32, got 0/,
    );
    expect(() => createUrlSettings({ signatureSize: 33 })).toThrow(/got 33/);
    expect(() => createUrlSettings({ argumentsSeparator: '' })).toThrow(
      /argumentsSeparator must not be empty/,
    );
    expect(() => createUrlSettings({ encryptionKey: '00'.repeat(10) })).toThrow(
      /IMGPROXY_SOURCE_URL_ENCRYPTION_KEY must be 16, 24 or 32 bytes .*got 10/,
    );
    expect(() => createUrlSettings({ encryptionKey: Buffer.alloc(5) })).toThrow(/got 5/);
    expect(() => createUrlSettings({ keys: [{ key: Buffer.alloc(0), salt: Buffer.alloc(1) }] })).toThrow(
      /pair #1 is empty/,
    );
    expect(() => createUrlSettings({ urlReplacements: 'nope' })).toThrow(/invalid key\/value: nope/);
    expect(() => createUrlSettings({ presets: ['bad'] })).toThrow(/invalid preset string: bad/);
  });
});
