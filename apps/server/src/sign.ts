import type { SourceEncoding } from '@tintype/url';
import { buildUrl } from '@tintype/url';
import type { Config } from './config/index.js';

export type SigningConfig = Pick<
  Config,
  | 'IMGPROXY_KEY'
  | 'IMGPROXY_SALT'
  | 'IMGPROXY_SIGNATURE_SIZE'
  | 'IMGPROXY_ARGUMENTS_SEPARATOR'
  | 'IMGPROXY_SOURCE_URL_ENCRYPTION_KEY'
>;

export interface SignRequest {
  source: string;
  /** Options as they appear in a URL, e.g. `rs:fit:300:200/q:80`. */
  options?: string;
  /** Output format as an extension, e.g. `webp`. */
  format?: string;
  encoding?: SourceEncoding;
  /** Prepended to the signed path: a base URL and/or IMGPROXY_PATH_PREFIX. */
  endpoint?: string;
}

/**
 * A URL signed with the server's own settings (the first IMGPROXY_KEY/IMGPROXY_SALT pair), for
 * `tintype sign` and the playground, built by @tintype/url's client builder.
 */
export function signedUrl(config: SigningConfig, r: SignRequest): string {
  const separator = config.IMGPROXY_ARGUMENTS_SEPARATOR;
  const options = (r.options ?? '')
    .split('/')
    .filter((segment) => segment !== '')
    .map((segment) => segment.split(separator) as [string, ...string[]]);
  return buildUrl({
    endpoint: r.endpoint ?? '',
    source: r.source,
    encoding: r.encoding ?? 'base64',
    options,
    extension: r.format || undefined,
    key: config.IMGPROXY_KEY,
    salt: config.IMGPROXY_SALT,
    signatureSize: config.IMGPROXY_SIGNATURE_SIZE,
    encryptionKey: config.IMGPROXY_SOURCE_URL_ENCRYPTION_KEY || undefined,
    argumentsSeparator: separator,
  });
}
