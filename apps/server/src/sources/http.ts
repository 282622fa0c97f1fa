import { lookup as dnsLookup } from 'node:dns/promises';
import type { LookupFunction } from 'node:net';
import { isIP } from 'node:net';
import type { Dispatcher } from 'undici';
import { Agent, buildConnector, interceptors, errors as undiciErrors } from 'undici';
import { sourceForbidden, sourceNotFound, sourceStatus, sourceTimeout, sourceUnreachable } from './errors.js';
import { type AddressPolicy, refusal } from './netguard.js';
import { readLimited } from './read.js';
import type { SourceImage, SourceRequest } from './types.js';

export interface HttpSourceOptions extends AddressPolicy {
  userAgent: string;
  /** Whole download deadline, headers and body, in milliseconds. */
  timeoutMs: number;
  maxRedirects: number;
  ignoreSslVerification: boolean;
  keepAliveTimeoutMs: number;
  /**
   * Name resolution; the system resolver (getaddrinfo, as Go's) by default. Tests pass a
   * resolver they control, to prove the guard sees what the connection uses.
   */
  resolve?: Resolve;
}

/** Every address a hostname resolves to. */
export type Resolve = (hostname: string) => Promise<{ address: string; family: number }[]>;

const systemResolve: Resolve = (hostname) => dnsLookup(hostname, { all: true });

class AddressRefused extends Error {
  constructor(
    readonly address: string,
    readonly why: string,
  ) {
    super(`source address ${address} is ${why}`);
  }
}

/**
 * The network guard runs at connect time, on the address the socket is about to use, for the
 * first request and for every redirect. Why: checking the hostname before fetching can be
 * defeated by DNS that answers differently the second time (rebinding).
 */
function guardedConnector(
  policy: AddressPolicy,
  resolve: Resolve,
  tls: { rejectUnauthorized: boolean },
): buildConnector.connector {
  // The socket connects to exactly the addresses this lookup returns, so the check and the use
  // cannot disagree. Any refused address refuses the host: the connection may try each in turn.
  const lookup: LookupFunction = (hostname, options, callback) => {
    resolve(hostname).then(
      (all) => {
        const list = options.family ? all.filter((a) => a.family === options.family) : all;
        if (list.length === 0)
          return callback(
            Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }),
            '',
            0,
          );
        for (const a of list) {
          const why = refusal(a.address, policy);
          if (why) return callback(new AddressRefused(a.address, why), '', 0);
        }
        if (options.all) return callback(null, list as never);
        callback(null, list[0]!.address, list[0]!.family);
      },
      (err: NodeJS.ErrnoException) => callback(err, '', 0),
    );
  };
  const connect = buildConnector({ ...tls, lookup } as buildConnector.BuildOptions);
  return (opts, callback) => {
    // An IP literal is connected to without a lookup, so it is checked here.
    const host = opts.hostname.replace(/^\[|\]$/g, '');
    const why = isIP(host) ? refusal(host, policy) : undefined;
    if (why) return callback(new AddressRefused(host, why), null);
    return connect(opts, callback);
  };
}

export function createHttpSource(options: HttpSourceOptions) {
  const agent: Dispatcher = new Agent({
    connect: guardedConnector(options, options.resolve ?? systemResolve, {
      rejectUnauthorized: !options.ignoreSslVerification,
    }),
    keepAliveTimeout: options.keepAliveTimeoutMs,
  }).compose(interceptors.redirect({ maxRedirections: options.maxRedirects }));

  async function fetch(url: string, req: SourceRequest): Promise<SourceImage> {
    const timeout = AbortSignal.timeout(options.timeoutMs);
    const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout;
    const headers: Record<string, string> = { 'user-agent': options.userAgent, accept: 'image/*,*/*;q=0.8' };
    if (req.cookie) headers.cookie = req.cookie;

    let res: Dispatcher.ResponseData;
    try {
      res = await agent.request({
        origin: new URL(url).origin,
        path: pathOf(url),
        method: 'GET',
        headers,
        signal,
      });
    } catch (e) {
      throw classify(e, timeout);
    }
    // Why a no-op listener: destroying the body on purpose (too big) must not raise an unhandled error.
    res.body.on('error', () => {});
    if (res.statusCode !== 200) {
      res.body.dump().catch(() => {});
      if (res.statusCode === 404 || res.statusCode === 410) throw sourceNotFound();
      throw sourceStatus(res.statusCode);
    }
    const length = Number(res.headers['content-length']);
    let data: Buffer;
    try {
      data = await readLimited(res.body, req.maxBytes, Number.isNaN(length) ? undefined : length);
    } catch (e) {
      throw classify(e, timeout);
    }
    const header = (name: string) => {
      const value = res.headers[name];
      return Array.isArray(value) ? value[0] : value;
    };
    return {
      data,
      contentType: header('content-type'),
      cacheControl: header('cache-control'),
      expires: header('expires'),
      etag: header('etag'),
      lastModified: header('last-modified'),
    };
  }

  // Closing happens when the server stops, after the grace period: a download still running then
  // serves nobody, so it is cut rather than waited for (up to IMGPROXY_DOWNLOAD_TIMEOUT).
  return { fetch, close: () => agent.destroy() };
}

function pathOf(url: string): string {
  const u = new URL(url);
  return u.pathname + u.search;
}

function classify(e: unknown, timeout: AbortSignal): Error {
  if (e instanceof Error && 'status' in e && 'publicMessage' in e) return e;
  if (timeout.aborted) return sourceTimeout(e);
  if (e instanceof undiciErrors.HeadersTimeoutError || e instanceof undiciErrors.BodyTimeoutError) {
    return sourceTimeout(e);
  }
  const refused = findCause(e, AddressRefused);
  if (refused) return sourceForbidden(`Source address is not allowed (${refused.why})`);
  if (e instanceof undiciErrors.RequestAbortedError || (e as Error)?.name === 'AbortError')
    return sourceTimeout(e);
  if (e instanceof undiciErrors.ResponseError && e.statusCode >= 300 && e.statusCode < 400) {
    return sourceStatus(e.statusCode);
  }
  return sourceUnreachable(e);
}

function findCause<T extends Error>(e: unknown, type: new (...args: never[]) => T): T | undefined {
  for (let cur = e; cur instanceof Error; cur = cur.cause) if (cur instanceof type) return cur;
  return undefined;
}
