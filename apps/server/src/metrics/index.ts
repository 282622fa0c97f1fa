import cluster from 'node:cluster';
import type { Server, ServerResponse } from 'node:http';
import type { TintypeError } from '@tintype/url';
import type { Request, RequestHandler } from 'express';
import { AggregatorRegistry } from 'prom-client';
import type { Config } from '../config/index.js';
import { listen, parseBind } from '../listen.js';
import type { Logger } from '../logger.js';
import { createTracing, type Tracing } from '../tracing/index.js';
import { errorCategory } from './errors.js';
import { createPrometheusMetrics, type WorkerStats } from './prometheus.js';
import { createMetricsServer } from './server.js';
import { type Metrics, noMetrics } from './types.js';

export type { Metrics } from './types.js';

/**
 * Everything that watches requests: Prometheus metrics (IMGPROXY_PROMETHEUS_BIND) and
 * OpenTelemetry traces (IMGPROXY_OPEN_TELEMETRY_ENABLE), behind the one `Metrics` interface the
 * request path reports to. With both off, `metrics` is `noMetrics` and the middleware only
 * calls `next`.
 */
export interface Monitoring {
  metrics: Metrics;
  /** For the processing routes: request counters, latency, and the request's trace span. */
  middleware(pathOf: (req: Request) => string): RequestHandler;
  /** Whether requests are traced. The span needs Express's request, so the image lane (app.ts) is
   * then left to Express. */
  readonly tracing: boolean;
  /** The middleware without tracing: counts one request in Prometheus until its response closes. */
  observe(res: ServerResponse): void;
  /** A failed request, counted in errors_total by imgproxy's category and marked on its span. */
  failed(e: TintypeError): void;
  /** Opens the Prometheus listener, if configured; resolves to its address. */
  start(): Promise<string | undefined>;
  stop(): Promise<void>;
}

export async function createMonitoring(
  config: Config,
  workers: WorkerStats,
  log: Logger,
): Promise<Monitoring> {
  const prometheus = config.IMGPROXY_PROMETHEUS_BIND
    ? createPrometheusMetrics({ namespace: config.IMGPROXY_PROMETHEUS_NAMESPACE, workers })
    : undefined;
  if (prometheus && cluster.isWorker) {
    // The primary serves every worker's metrics together (cluster.ts); it asks each for its
    // registry over IPC, which prom-client answers once an AggregatorRegistry exists here. Before
    // this worker listens, so that the primary never asks a worker that cannot answer yet.
    AggregatorRegistry.setRegistries([prometheus.registry]);
    new AggregatorRegistry();
  }
  const tracing = await createTracing(config);
  let listener: Server | undefined;

  const metrics = combine(prometheus, tracing);
  const observe = (res: ServerResponse) => {
    if (!prometheus) return;
    const end = prometheus.startRequest();
    res.once('close', () => end(res.headersSent ? res.statusCode : 499));
  };
  return {
    metrics,
    tracing: tracing !== undefined,
    observe,
    middleware(pathOf) {
      const traced = tracing?.middleware(pathOf);
      if (!prometheus && !traced) return (_req, _res, next) => next();
      return (req, res, next) => {
        observe(res);
        if (traced) traced(req, res, next);
        else next();
      };
    },
    failed(e) {
      metrics.error(errorCategory(e));
    },
    async start() {
      if (!prometheus) return undefined;
      if (cluster.isWorker) return undefined;
      listener = createMetricsServer(
        config,
        () => prometheus.registry.metrics(),
        prometheus.registry.contentType,
      );
      const address = await listen(listener, parseBind(config.IMGPROXY_PROMETHEUS_BIND, 'tcp'), false);
      log.info({ address }, `Prometheus metrics on ${address}`);
      return address;
    },
    async stop() {
      const closing = listener && new Promise<void>((resolve) => listener!.close(() => resolve()));
      listener?.closeAllConnections();
      await Promise.all([closing, tracing?.stop()]);
    },
  };
}

function combine(prometheus: Metrics | undefined, tracing: Tracing | undefined): Metrics {
  if (!tracing) return prometheus ?? noMetrics;
  const p = prometheus ?? noMetrics;
  return {
    span(name, seconds) {
      p.span(name, seconds);
      tracing.metrics.span(name, seconds);
    },
    cache: (event, backend, seconds) => p.cache(event, backend, seconds),
    imagesInProgress: (delta) => p.imagesInProgress(delta),
    error(category) {
      p.error(category);
      tracing.metrics.error(category);
    },
  };
}
