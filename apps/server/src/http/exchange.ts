import type { IncomingMessage, ServerResponse } from 'node:http';

/** What one request carries besides the Node objects (Express keeps the same in `res.locals`). */
export interface Locals {
  requestId?: string;
  /** HIT, MISS or BYPASS: for X-Cache and the log line. */
  cache?: string;
  /** No log line (health checks). */
  silent?: boolean;
}

/**
 * A response as the request path sees it: Node's own, with the request's locals. Image requests
 * are answered on these plain objects, before (and without) Express; Express's Response is one too.
 */
export type Reply = ServerResponse & { locals: Locals };

/** A request header by any-case name; repeated headers joined as Node joins them. */
export function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v.join(', ') : v;
}

/** The path as the client sent it, without the query string (imgproxy ignores queries). */
export function rawPath(req: IncomingMessage & { originalUrl?: string }): string {
  const url = req.originalUrl ?? req.url ?? '/';
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}
