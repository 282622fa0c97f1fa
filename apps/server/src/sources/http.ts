import { lookup as dnsLookup } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { isIP } from 'node:net';
import type { Dispatcher } from 'undici';
import { Agent, buildConnector, interceptors, errors as undiciErrors } from 'undici';
import {
  sourceForbidden,
  sourceNotFound,
  sourceStatus,
  sourceTimeout,
  sourceTooBig,
  sourceUnreachable,
} from './errors.js';
import { type AddressPolicy, refusal } from './netguard.js';
import type { SourceImage, SourceRequest } from './types.js';

export interface HttpSourceOptions extends AddressPolicy {
  userAgent: string;
  /** Whole download deadline, headers and body, in milliseconds. */
  timeoutMs: number;
  maxRedirects: number;
  ignoreSslVerification: boolean;
  keepAliveTimeoutMs: number;
}

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
  tls: { rejectUnauthorized: boolean },
): buildConnector.connector {
  const lookup: LookupFunction = (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 0);
      const list = addresses as { address: string; family: number }[];
      const bad = list.map((a) => [a.address, refusal(a.address, policy)] as const).find(([, why]) => why);
      if (bad) return callback(new AddressRefused(bad[0], bad[1]!), '', 0);
      if (options.all) return callback(null, list as never);
      callback(null, list[0]!.address, list[0]!.family);
    });
  };
  const connect = buildConnector({ ...tls, lookup } as buildConnector.BuildOptions);
  return (opts, callback) => {
    const host = opts.hostname.replace(/^\[|\]$/g, '');
    const why = isIP(host) ? refusal(host, policy) : undefined;
    if (why) return callback(new AddressRefused(host, why), null);
    return connect(opts, callback);
  };
}

export function createHttpSource(options: HttpSourceOptions) {
  const agent: Dispatcher = new Agent({
    connect: guardedConnector(options, { rejectUnauthorized: !options.ignoreSslVerification }),
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
    const length = Number(res.headers['content-length'] ?? Number.NaN);
    if (req.maxBytes > 0 && length > req.maxBytes) {
      res.body.destroy();
      throw sourceTooBig();
    }
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of res.body) {
        size += (chunk as Buffer).length;
        // Why: Content-Length can lie or be absent; the limit is enforced on the bytes received.
        if (req.maxBytes > 0 && size > req.maxBytes) {
          res.body.destroy();
          throw sourceTooBig();
        }
        chunks.push(chunk as Buffer);
      }
    } catch (e) {
      throw classify(e, timeout);
    }
    const header = (name: string) => {
      const value = res.headers[name];
      return Array.isArray(value) ? value[0] : value;
    };
    return {
      data: Buffer.concat(chunks, size),
      contentType: header('content-type'),
      cacheControl: header('cache-control'),
      expires: header('expires'),
      etag: header('etag'),
      lastModified: header('last-modified'),
    };
  }

  return { fetch, close: () => agent.close() };
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
