import { randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { TintypeError } from '@tintype/url';
import type { NextFunction, Request, Response } from 'express';
import express from 'express';
import type { ServerContext } from './context.js';
import { asTintypeError, sendError } from './http/errors.js';
import { header, type Reply, rawPath } from './http/exchange.js';
import { createInfoHandler } from './info.js';
import { limitExpressResponses } from './listen.js';
import { createProcessingHandler } from './processing.js';
import { purgeRoutes } from './purge.js';

const REQUEST_ID = /^[A-Za-z0-9_-]+$/;

const invalidSecret = () =>
  new TintypeError({ code: 'INVALID_SECRET', status: 403, publicMessage: 'Invalid secret', report: false });

/**
 * The request listener: one log line per request, routes in imgproxy's order, one error mapper.
 * Image requests (GET on any path no other route claims) are answered on Node's own request and
 * response, without Express: a cache hit is most of a server's traffic and must cost little more
 * than writing the bytes. Everything else, and image requests when tracing is on (its span reads
 * Express's request), goes through the Express app, which routes image requests to the same handler.
 */
export function createApp(ctx: ServerContext): RequestListener {
  const { config, log } = ctx;
  const prefix = config.IMGPROXY_PATH_PREFIX.replace(/\/$/, '');
  const secret = config.IMGPROXY_SECRET ? Buffer.from(`Bearer ${config.IMGPROXY_SECRET}`) : undefined;
  const processing = createProcessingHandler(ctx);
  const info = createInfoHandler(ctx);

  /** Request ID and the `Server` header, then imgproxy's response line when the response closes. */
  const begin = (req: IncomingMessage, res: Reply) => {
    const given = header(req, 'x-request-id');
    const id = given && REQUEST_ID.test(given) ? given : randomUUID();
    res.locals = { requestId: id };
    res.setHeader('Server', 'imgproxy');
    res.setHeader('X-Request-ID', id);
    const started = performance.now();
    // 'close' fires once for every request, also when the client leaves before the answer (499, as nginx).
    res.on('close', () => {
      if (res.locals.silent) return;
      const ms = Math.round((performance.now() - started) * 10) / 10;
      const status = res.writableFinished ? res.statusCode : 499;
      const path = redactSignature(rawPath(req), prefix);
      // imgproxy's response line: its message and levels (5xx error, 4xx warning), so log pipelines keep working.
      log[status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info'](
        {
          request_id: id,
          method: req.method,
          path,
          status,
          client_ip: req.socket.remoteAddress,
          duration_ms: ms,
          cache: res.locals.cache,
        },
        `Completed in ${ms}ms ${path}`,
      );
    });
  };

  const fail = (req: IncomingMessage, res: Reply, err: unknown) => {
    const e = asTintypeError(err);
    ctx.monitoring.failed(e);
    if (e.report) log.error({ err, request_id: res.locals.requestId, code: e.code }, e.message);
    else
      log.debug(
        { request_id: res.locals.requestId, code: e.code, path: redactSignature(rawPath(req), prefix) },
        e.message,
      );
    sendError(res, e, config.IMGPROXY_DEVELOPMENT_ERRORS_MODE);
  };

  const cors = (res: ServerResponse) => {
    if (config.IMGPROXY_ALLOW_ORIGIN) {
      res.setHeader('Access-Control-Allow-Origin', config.IMGPROXY_ALLOW_ORIGIN);
      res.setHeader('Access-Control-Allow-Methods', 'GET, OPTIONS');
    }
  };
  /** IMGPROXY_SECRET and CORS, which the image and info routes share; throws when the secret is wrong. */
  const guard = (req: IncomingMessage, res: ServerResponse) => {
    if (secret) {
      // Why constant-time: the secret must not leak through response timing.
      const given = Buffer.from(header(req, 'authorization') ?? '');
      if (given.length !== secret.length || !timingSafeEqual(given, secret)) throw invalidSecret();
    }
    cors(res);
  };

  const app = express();
  limitExpressResponses(app, config.IMGPROXY_WRITE_RESPONSE_TIMEOUT * 1000);
  app.disable('x-powered-by');
  app.disable('etag');
  app.set('query parser', false);

  const health = (_req: Request, res: Response) => {
    res.locals.silent = true;
    res.setHeader('Cache-Control', 'no-cache');
    res.type('text/plain').send('imgproxy is running');
  };
  const notFound = (_req: Request, res: Response) => {
    res.status(404).type('text/plain').send(' ');
  };
  const ok = (_req: Request, res: Response) => {
    cors(res);
    res.status(200).type('text/plain').send(' ');
  };

  const router = express.Router();
  // imgproxy answers HEAD and OPTIONS on every path with an empty 200 (Express would route HEAD to GET).
  router.head(/.*/, ok);
  router.options(/.*/, ok);
  router.get('/', (_req, res) => {
    res.type('text/html').send(ctx.landingPage);
  });
  const routed = ['/', '/favicon.ico', '/health'];
  router.get('/favicon.ico', notFound);
  router.get('/health', health);
  if (config.IMGPROXY_HEALTH_CHECK_PATH) {
    router.get(config.IMGPROXY_HEALTH_CHECK_PATH, health);
    routed.push(config.IMGPROXY_HEALTH_CHECK_PATH);
  }
  router.get(/^\/\.well-known\//, notFound);
  for (const [path, handler] of ctx.extraRoutes) {
    router.get(path, handler);
    routed.push(path);
  }
  router.use(purgeRoutes(ctx));
  const observe = ctx.monitoring.middleware((req) => redactSignature(rawPath(req), prefix));
  router.get(/^\/info\//, observe, (req, res, next) => {
    guard(req, res);
    info(req, res).catch(next);
  });
  router.get(/.*/, observe, (req, res, next) => {
    guard(req, res);
    processing(req, res).catch(next);
  });
  app.use(prefix || '/', router);
  app.use(notFound);
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => fail(req, res, err));

  // Express matches string routes case-insensitively and with or without a trailing slash; the
  // lane compares the same way, and leaves anything that looks like another route to Express.
  const claimed = new Set(routed.map((p) => p.toLowerCase().replace(/(.)\/$/, '$1')));
  const lane = !ctx.monitoring.tracing;
  const isImageRequest = (req: IncomingMessage, path: string) => {
    if (!lane || req.method !== 'GET' || !path.startsWith(`${prefix}/`)) return false;
    const rest = path.slice(prefix.length).toLowerCase();
    return (
      !claimed.has(rest.replace(/(.)\/$/, '$1')) &&
      !rest.startsWith('/info/') &&
      !rest.startsWith('/.well-known/')
    );
  };

  return (req, res) => {
    const reply = res as Reply;
    begin(req, reply);
    if (!isImageRequest(req, rawPath(req))) {
      app(req, res);
      return;
    }
    ctx.monitoring.observe(res);
    try {
      guard(req, res);
    } catch (e) {
      fail(req, reply, e);
      return;
    }
    processing(req, reply).catch((e) => fail(req, reply, e));
  };
}

/** Logs never carry signatures: they would let a reader replay the URL with other options. */
export function redactSignature(path: string, prefix = ''): string {
  const rest = prefix && path.startsWith(prefix) ? path.slice(prefix.length) : path;
  const m = /^\/(info\/)?([^/]+)(\/.*)?$/.exec(rest);
  if (!m) return path;
  return `${prefix}/${m[1] ?? ''}${m[2]!.length > 0 ? '-' : ''}${m[3] ?? ''}`;
}
