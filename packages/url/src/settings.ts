import { parseEncryptionKey } from './encryption.js';
import type { OptionCall, OptionSettings } from './option-table.js';
import { IMGPROXY_OPTION_DEFAULTS, type OptionDefaults } from './options.js';
import { parsePresets, validatePresets } from './presets.js';
import type { KeyPair, SignatureSettings } from './signature.js';
import { parseUrlReplacements, type SourceSettings, type UrlReplacement } from './source.js';

/** Everything the URL language depends on, resolved and frozen. Build it with createUrlSettings. */
export interface UrlSettings extends SignatureSettings, SourceSettings, OptionSettings {
  /** IMGPROXY_KEY / IMGPROXY_SALT pairs; empty turns signature checking off. */
  keys: readonly KeyPair[];
  /** IMGPROXY_SIGNATURE_SIZE: bytes of the HMAC kept, 1..32. */
  signatureSize: number;
  /** IMGPROXY_TRUSTED_SIGNATURES. */
  trustedSignatures: readonly string[];
  /** IMGPROXY_SOURCE_URL_ENCRYPTION_KEY; null refuses `/enc/` sources. */
  encryptionKey: Buffer | null;
  /** IMGPROXY_PATH_PREFIX, used as given (imgproxy does not normalize it either). */
  pathPrefix: string;
  /** IMGPROXY_ONLY_PRESETS: the options segment is a list of preset names. */
  onlyPresets: boolean;
  /** IMGPROXY_PRESETS (+ IMGPROXY_PRESETS_PATH), parsed and validated. */
  presets: ReadonlyMap<string, readonly OptionCall[]>;
  /** IMGPROXY_ARGUMENTS_SEPARATOR. */
  argumentsSeparator: string;
  /** IMGPROXY_ALLOWED_PROCESSING_OPTIONS; empty allows all. */
  allowedProcessingOptions: readonly string[];
  /** IMGPROXY_BASE64_URL_INCLUDES_FILENAME. */
  base64UrlIncludesFilename: boolean;
  /** IMGPROXY_BASE_URL. */
  baseUrl: string;
  /** IMGPROXY_URL_REPLACEMENTS. */
  urlReplacements: readonly UrlReplacement[];
  /** IMGPROXY_ALLOW_SECURITY_OPTIONS. */
  allowSecurityOptions: boolean;
  /** IMGPROXY_ALLOW_BYPASS_CACHE (imgproxy Pro). */
  allowBypassCache: boolean;
  /** Option defaults that come from configuration (IMGPROXY_QUALITY, ...). */
  optionDefaults: OptionDefaults;
}

/** Input of createUrlSettings: any subset, with raw forms accepted where the env gives text. */
export interface UrlSettingsInit
  extends Partial<Omit<UrlSettings, 'encryptionKey' | 'presets' | 'urlReplacements' | 'optionDefaults'>> {
  /** Hex text (as in the env) or the decoded key. */
  encryptionKey?: string | Buffer | null;
  /** `name=options` definitions. */
  presets?: readonly string[];
  /** IMGPROXY_URL_REPLACEMENTS text, or parsed rules. */
  urlReplacements?: string | readonly UrlReplacement[];
  optionDefaults?: Partial<OptionDefaults>;
}

/**
 * Fills imgproxy's defaults, checks every value and validates the presets. Throws a plain Error
 * naming the problem, meant to stop start-up.
 */
export function createUrlSettings(init: UrlSettingsInit = {}): UrlSettings {
  const signatureSize = init.signatureSize ?? 32;
  if (!Number.isInteger(signatureSize) || signatureSize < 1 || signatureSize > 32) {
    throw new Error(`signatureSize must be an integer from 1 to 32, got ${signatureSize}`);
  }
  const argumentsSeparator = init.argumentsSeparator ?? ':';
  if (argumentsSeparator === '') throw new Error('argumentsSeparator must not be empty');
  for (const [i, pair] of (init.keys ?? []).entries()) {
    // An empty key or salt makes signatures forgeable by anyone who guesses that.
    if (pair.key.length === 0 || pair.salt.length === 0) throw new Error(`key/salt pair #${i + 1} is empty`);
  }

  const encryptionKey =
    typeof init.encryptionKey === 'string'
      ? parseEncryptionKey(init.encryptionKey)
      : (init.encryptionKey ?? null);
  if (encryptionKey !== null && ![16, 24, 32].includes(encryptionKey.length)) {
    throw new Error(`encryptionKey must be 16, 24 or 32 bytes, got ${encryptionKey.length}`);
  }

  const optionDefaults: OptionDefaults = { ...IMGPROXY_OPTION_DEFAULTS, ...init.optionDefaults };
  const settings: UrlSettings = {
    keys: (init.keys ?? []).map((p) => ({ key: Buffer.from(p.key), salt: Buffer.from(p.salt) })),
    signatureSize,
    trustedSignatures: [...(init.trustedSignatures ?? [])],
    encryptionKey,
    pathPrefix: init.pathPrefix ?? '',
    onlyPresets: init.onlyPresets ?? false,
    presets: parsePresets(init.presets ?? [], argumentsSeparator),
    argumentsSeparator,
    allowedProcessingOptions: [...(init.allowedProcessingOptions ?? [])].filter((n) => n !== ''),
    base64UrlIncludesFilename: init.base64UrlIncludesFilename ?? false,
    baseUrl: init.baseUrl ?? '',
    urlReplacements:
      typeof init.urlReplacements === 'string'
        ? parseUrlReplacements(init.urlReplacements)
        : [...(init.urlReplacements ?? [])],
    allowSecurityOptions: init.allowSecurityOptions ?? false,
    allowBypassCache: init.allowBypassCache ?? false,
    optionDefaults,
  };
  validatePresets(settings);
  return Object.freeze(settings);
}
