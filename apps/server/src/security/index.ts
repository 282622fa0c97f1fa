import { unprocessable } from '@tintype/url';
import { requestTimeout } from '../limiter.js';
import { sourceForbidden } from '../sources/errors.js';

/** libvips' (and so imgproxy's) size limit on SVG sources, lifted by IMGPROXY_SVG_UNLIMITED. */
export const SVG_MAX_BYTES = 10 * 1024 * 1024;

/**
 * Refuses an SVG over 10 MB before anything parses it. Why before probing: reading the header
 * of an SVG means parsing the whole XML document (seconds of CPU for a few MB). Every binary
 * image format starts with a signature byte that is not `<`; anything that does is XML.
 */
export function checkSvgSize(data: Buffer, unlimited: boolean): void {
  if (unlimited || data.length <= SVG_MAX_BYTES) return;
  let i = data[0] === 0xef && data[1] === 0xbb && data[2] === 0xbf ? 3 : 0;
  while (i < data.length && (data[i] === 0x20 || data[i] === 0x09 || data[i] === 0x0a || data[i] === 0x0d))
    i++;
  if (data[i] === 0x3c) throw unprocessable('Source SVG image is too big');
}

/**
 * IMGPROXY_ALLOWED_SOURCES: the patterns are matched against the URL as it will be fetched, with
 * `.`/`..` segments (plain or percent-encoded) resolved. Why: `http://ok.example/images/../private`
 * matches the prefix `http://ok.example/images/` as written but fetches `/private` (the path
 * traversal ipx shipped). Refused sources answer 404, as imgproxy.
 */
export function checkAllowedSource(patterns: RegExp[], url: string): void {
  if (patterns.length === 0) return;
  let fetched = url;
  try {
    fetched = new URL(url).href;
  } catch {
    // Not a URL the fetchers can use either: matched as written, it fails later.
  }
  if (!patterns.some((re) => re.test(fetched))) throw sourceForbidden('Source URL is not allowed');
}

/**
 * Waits for `work` until the request deadline (IMGPROXY_TIMEOUT). Why not just pass the signal
 * down: a decode in libvips cannot be interrupted, and the client must get its 503 on time; the
 * work goes on holding its worker slot until it really ends, so the bound on concurrency holds.
 * Anything that fails after the deadline failed because of it, so it is a 503 too.
 */
export function untilDeadline<T>(work: Promise<T>, deadline: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(requestTimeout());
    if (deadline.aborted) return onAbort();
    deadline.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        deadline.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (e: unknown) => {
        deadline.removeEventListener('abort', onAbort);
        reject(deadline.aborted ? requestTimeout() : e);
      },
    );
  });
}
