import type { Server } from 'node:http';
import { AggregatorRegistry } from 'prom-client';
import type { Config } from '../config/index.js';
import { createHttpServer, listen, parseBind } from '../listen.js';
import type { Logger } from '../logger.js';

/** The metrics of every worker of a cluster, summed, on IMGPROXY_PROMETHEUS_BIND (run by the primary). */
export async function startClusterMetrics(config: Config, log: Logger): Promise<{ stop(): Promise<void> }> {
  if (!config.IMGPROXY_PROMETHEUS_BIND) return { stop: async () => {} };
  const registry = new AggregatorRegistry();
  const listener = createMetricsServer(config, () => registry.clusterMetrics(), registry.contentType);
  const address = await listen(listener, parseBind(config.IMGPROXY_PROMETHEUS_BIND, 'tcp'), false);
  log.info({ address }, `Prometheus metrics on ${address}`);
  return {
    stop: () =>
      new Promise<void>((resolve) => {
        listener.close(() => resolve());
        listener.closeAllConnections();
      }),
  };
}

/** Every path of the metrics listener answers with the metrics, as imgproxy's does. */
export function createMetricsServer(
  config: Config,
  text: () => Promise<string>,
  contentType: string,
): Server {
  return createHttpServer(config, (_req, res) => {
    text().then(
      (body) => {
        res.writeHead(200, { 'Content-Type': contentType }).end(body);
      },
      () => {
        res.writeHead(500, { 'Content-Type': 'text/plain' }).end('Cannot collect metrics');
      },
    );
  });
}
