export {
  type BuildOptions,
  type BuildUrlInput,
  buildUrl,
  escapePlainSource,
  type OptionArg,
  optionsPath,
} from './builder.js';
export { canonicalOptions, EXCLUDED_FROM_CANONICAL } from './canonical.js';
export { decryptSourceUrl, encryptSourceUrl, parseEncryptionKey } from './encryption.js';
export * from './errors.js';
export {
  type ApplyContext,
  applyOptions,
  formatByName,
  OPTION_TABLE,
  type OptionCall,
  type OptionSettings,
  splitOptions,
} from './option-table.js';
export * from './options.js';
export {
  type ParsedProcessingPath,
  type ParsedUrl,
  parsePath,
  parseProcessingPath,
  parseSignedRoute,
} from './parse.js';
export { repairPath, type SignedPath, splitSignature, stripPathPrefix, withoutQuery } from './path.js';
export { parsePresets, splitPresetsVariable, validatePresets } from './presets.js';
export { createUrlSettings, type UrlSettings, type UrlSettingsInit } from './settings.js';
export {
  type KeyPair,
  parseKeyPairs,
  type SignatureSettings,
  signPath,
  verifySignature,
} from './signature.js';
export {
  type DecodedSource,
  decodeSource,
  expandGoTemplate,
  finalSourceUrl,
  parseUrlReplacements,
  type SourceEncoding,
  type SourceSettings,
  type UrlReplacement,
  wildcardPattern,
} from './source.js';
