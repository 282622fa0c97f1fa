import { TintypeError } from '@tintype/url';

// Source errors, with the statuses imgproxy answers: a missing source is 404, another 4xx of the
// source passes through, a broken origin is 502, an unreachable one 404, a slow one 504.

export const sourceNotFound = (detail = 'Source image not found', cause?: unknown) =>
  new TintypeError({ code: 'SOURCE_NOT_FOUND', status: 404, publicMessage: detail, report: false, cause });

export const sourceStatus = (status: number) =>
  new TintypeError({
    code: 'SOURCE_BAD_STATUS',
    // A redirect still standing after IMGPROXY_MAX_REDIRECTS is a dead end, like a 404.
    status: status >= 500 ? 502 : status < 400 ? 404 : status,
    publicMessage: `Can't download source image: status ${status}`,
    report: status >= 500,
  });

export const sourceUnreachable = (cause?: unknown) =>
  new TintypeError({
    code: 'SOURCE_UNREACHABLE',
    status: 404,
    publicMessage: "Can't download source image: source is unreachable",
    message: `Source unreachable: ${(cause as Error | undefined)?.message ?? 'unknown'}`,
    report: false,
    cause,
  });

export const sourceTimeout = (cause?: unknown) =>
  new TintypeError({
    code: 'SOURCE_TIMEOUT',
    status: 504,
    publicMessage: "Can't download source image: timeout",
    report: false,
    cause,
  });

export const sourceTooBig = () =>
  new TintypeError({
    code: 'SOURCE_TOO_BIG',
    status: 422,
    publicMessage: 'Source image file is too big',
    report: false,
  });

export const sourceForbidden = (detail: string) =>
  new TintypeError({ code: 'SOURCE_FORBIDDEN', status: 404, publicMessage: detail, report: false });
