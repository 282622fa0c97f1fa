import { invalidUrl } from './errors.js';

/** The request target without its query string, which imgproxy ignores. */
export const withoutQuery = (target: string): string => {
  const q = target.indexOf('?');
  return q < 0 ? target : target.slice(0, q);
};

/**
 * Undoes what browsers, proxies and CDNs do to a path on the way in, so that the path reads again
 * exactly as the client built (and signed) it: `%3A` in the options back to `:`, and a plain source's
 * `scheme:/x` (slashes merged) back to `scheme://x` (`local:///x` for local files).
 */
export function repairPath(path: string): string {
  let options: string;
  let plain: string | undefined;
  if (path.startsWith('plain/')) {
    options = '';
    plain = path.slice('plain/'.length);
  } else {
    const at = path.indexOf('/plain/');
    options = at < 0 ? path : path.slice(0, at);
    plain = at < 0 ? undefined : path.slice(at + '/plain/'.length);
  }

  options = options.replaceAll('%3A', ':');
  if (plain === undefined) return stripSlash(options);

  // Only a scheme at the very start is repaired. imgproxy's pattern is greedy and would also
  // "repair" a later `:/` inside the URL, breaking sources such as `http://h/a:/b`.
  plain = plain.replace(/^([^\t\n\f\r /]+):\/([^/])/, (_, scheme: string, next: string) =>
    scheme === 'local' ? `local:///${next}` : `${scheme}://${next}`,
  );
  return stripSlash(`${options}/plain/${plain}`);
}

const stripSlash = (s: string) => (s.startsWith('/') ? s.slice(1) : s);

export interface SignedPath {
  signature: string;
  /** What the signature covers: the repaired path after the signature segment, leading `/` included. */
  signedPath: string;
}

/**
 * Splits `/%signature/%rest` (what follows the path prefix and any route prefix) into the signature
 * and the signed path.
 */
export function splitSignature(rest: string): SignedPath {
  const path = withoutQuery(rest);
  const trimmed = stripSlash(path);
  const slash = trimmed.indexOf('/');
  const signature = slash < 0 ? trimmed : trimmed.slice(0, slash);
  const after = slash < 0 ? '' : trimmed.slice(slash + 1);
  if (signature === '' || after === '') throw invalidUrl(`invalid path: ${path}`);
  return { signature, signedPath: `/${repairPath(after)}` };
}

/** Removes IMGPROXY_PATH_PREFIX; a path outside it is not ours to parse. */
export function stripPathPrefix(target: string, prefix: string): string {
  const path = withoutQuery(target);
  if (prefix === '') return path;
  if (!path.startsWith(`${prefix}/`)) throw invalidUrl(`path is outside the prefix ${prefix}`);
  return path.slice(prefix.length);
}
