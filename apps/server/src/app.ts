import { randomUUID, timingSafeEqual } from 'node:crypto';
import { TintypeError } from '@tintype/url';
import type { NextFunction, Request, Response } from 'express';
import express from 'express';
import type { ServerContext } from './context.js';
import { asTintypeError, sendError } from './http/errors.js';
import { createInfoHandler } from './info.js';
import { createProcessingHandler, rawPath } from './processing.js';
import { purgeRoutes } from './purge.js';

const REQUEST_ID = /^[A-Za-z0-9_-]+$/;

const invalidSecret = () =>
  new TintypeError({ code: 'INVALID_SECRET', status: 403, publicMessage: 'Invalid secret', report: false });

/** The Express app: routes in imgproxy's order, one error mapper, one log line per request. */
export function createApp(ctx: ServerContext): express.Express {
  const { config, log } = ctx;
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.set('query parser', false);

  const prefix = config.IMGPROXY_PATH_PREFIX.replace(/\/$/, '');
  const secret = config.IMGPROXY_SECRET ? Buffer.from(`Bearer ${config.IMGPROXY_SECRET}`) : undefined;

  app.use((req, res, next) => {
    const given = req.get('x-request-id');
    const id = given && REQUEST_ID.test(given) ? given : randomUUID();
    res.locals.requestId = id;
    res.setHeader('Server', 'imgproxy');
    res.setHeader('X-Request-ID', id);
    const started = process.hrtime.bigint();
    // 'close' fires for every request, also when the client leaves before the answer (499, as nginx).
    res.once('close', () => {
      if (res.locals.silent) return;
      const ms = Math.round(Number(process.hrtime.bigint() - started) / 1e5) / 10;
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
    next();
  });

  const health = (_req: Request, res: Response) => {
    res.locals.silent = true;
    res.setHeader('Cache-Control', 'no-cache');
    res.type('text/plain').send('imgproxy is running');
  };
  const notFound = (_req: Request, res: Response) => {
    res.status(404).type('text/plain').send(' ');
  };
  const ok = (_req: Request, res: Response) => {
    res.status(200).type('text/plain').send(' ');
  };
  const cors = (_req: Request, res: Response, next: NextFunction) => {
    if (config.IMGPROXY_ALLOW_ORIGIN) {
      res.setHeader('Access-Control-Allow-Origin', config.IMGPROXY_ALLOW_ORIGIN);
      res.setHeader('Access-Control-Allow-Methods', 'GET, OPTIONS');
    }
    next();
  };
  // Why constant-time: the secret must not leak through response timing.
  const requireSecret = (req: Request, _res: Response, next: NextFunction) => {
    if (!secret) return next();
    const given = Buffer.from(req.get('authorization') ?? '');
    if (given.length === secret.length && timingSafeEqual(given, secret)) return next();
    next(invalidSecret());
  };

  const router = express.Router();
  // imgproxy answers HEAD and OPTIONS on every path with an empty 200 (Express would route HEAD to GET).
  router.head(/.*/, cors, ok);
  router.options(/.*/, cors, ok);
  router.get('/', (_req, res) => {
    res.type('text/html').send(ctx.landingPage);
  });
  router.get('/favicon.ico', notFound);
  router.get('/health', health);
  if (config.IMGPROXY_HEALTH_CHECK_PATH) router.get(config.IMGPROXY_HEALTH_CHECK_PATH, health);
  router.get(/^\/\.well-known\//, notFound);
  for (const [path, handler] of ctx.extraRoutes) router.get(path, handler);
  router.use(purgeRoutes(ctx));
  const processing = createProcessingHandler(ctx);
  const info = createInfoHandler(ctx);
  const observe = ctx.monitoring.middleware((req) => redactSignature(rawPath(req), prefix));
  router.get(/^\/info\//, observe, requireSecret, cors, (req, res, next) => {
    info(req, res).catch(next);
  });
  router.get(/.*/, observe, requireSecret, cors, (req, res, next) => {
    processing(req, res).catch(next);
  });
  app.use(prefix || '/', router);
  app.use(notFound);

  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const e = asTintypeError(err);
    ctx.monitoring.failed(e);
    if (e.report) log.error({ err, request_id: res.locals.requestId, code: e.code }, e.message);
    else
      log.debug(
        { request_id: res.locals.requestId, code: e.code, path: redactSignature(rawPath(req), prefix) },
        e.message,
      );
    sendError(res, e, config.IMGPROXY_DEVELOPMENT_ERRORS_MODE);
  });
  return app;
}

/** Logs never carry signatures: they would let a reader replay the URL with other options. */
export function redactSignature(path: string, prefix = ''): string {
  const rest = prefix && path.startsWith(prefix) ? path.slice(prefix.length) : path;
  const m = /^\/(info\/)?([^/]+)(\/.*)?$/.exec(rest);
  if (!m) return path;
  return `${prefix}/${m[1] ?? ''}${m[2]!.length > 0 ? '-' : ''}${m[3] ?? ''}`;
}
