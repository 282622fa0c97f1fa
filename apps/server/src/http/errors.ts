import type { ServerResponse } from 'node:http';
import type { TintypeError } from '@tintype/url';
import { internal, isTintypeError } from '@tintype/url';

/** Anything thrown becomes a TintypeError; what is not ours is a bug, so a reported 500. */
export function asTintypeError(e: unknown): TintypeError {
  return isTintypeError(e) ? e : internal(e instanceof Error ? e.message : String(e), e);
}

/**
 * The one place errors become responses. Only the public message reaches the client (plain
 * text, as imgproxy), unless IMGPROXY_DEVELOPMENT_ERRORS_MODE asks for details. Error responses
 * carry no Cache-Control, so no CDN keeps them.
 */
export function sendError(res: ServerResponse, err: TintypeError, developmentMode: boolean): void {
  if (res.headersSent) {
    res.destroy(err);
    return;
  }
  for (const name of res.getHeaderNames()) {
    if (!KEEP_ON_ERROR.has(name)) res.removeHeader(name);
  }
  const body = developmentMode
    ? `${err.publicMessage}\n\n${err.code}: ${err.message}\n${err.stack ?? ''}`
    : err.publicMessage;
  res.statusCode = err.status;
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body);
}

const KEEP_ON_ERROR = new Set([
  'x-request-id',
  'server',
  'access-control-allow-origin',
  'access-control-allow-methods',
  'content-security-policy',
  'vary',
]);
