import type { Server } from 'node:http';
import { allocator } from './allocator.js';
import { createApp } from './app.js';
import { onPeerMessage } from './cluster.js';
import type { Config } from './config/index.js';
import { createContext } from './context.js';
import { createHttpServer, listen, parseBind, REUSE_PORT_SUPPORTED } from './listen.js';
import type { Logger } from './logger.js';

export interface RunningServer {
  server: Server;
  address: string;
  /** Address of the Prometheus listener, when IMGPROXY_PROMETHEUS_BIND is set. */
  metricsAddress?: string;
  /** Waits until every pending cache write has landed. */
  flush(): Promise<void>;
  /** Stops accepting, lets in-flight requests finish (up to IMGPROXY_GRACEFUL_STOP_TIMEOUT), flushes, closes. */
  stop(): Promise<void>;
}

export async function startServer(config: Config, log: Logger): Promise<RunningServer> {
  const ctx = await createContext(config, log);
  // Another process of this server purged a source: drop what this one keeps of it in memory.
  const unsubscribe = onPeerMessage((m) => {
    ctx.sources.forget(m.sourceUrl);
    ctx.cache?.forgetLocal(m.prefixes, m.keys);
  });
  const app = createApp(ctx);
  const server = createHttpServer(config, app);
  const address = await listen(
    server,
    parseBind(config.IMGPROXY_BIND, config.IMGPROXY_NETWORK),
    config.IMGPROXY_SO_REUSEPORT,
  );
  log.info(
    { address, pixelWorkers: ctx.pixels.workers, allocator: allocator() },
    `Tintype listening on ${address}`,
  );
  if (config.IMGPROXY_SO_REUSEPORT && !REUSE_PORT_SUPPORTED) {
    log.warn(
      `IMGPROXY_SO_REUSEPORT is not supported by Node ${process.versions.node} (needs 22.12+): the port is not shared`,
    );
  }
  const metricsAddress = await ctx.monitoring.start().catch(async (e) => {
    server.close();
    await ctx.close();
    throw e;
  });

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const grace = new Promise<void>((resolve) =>
        setTimeout(resolve, config.IMGPROXY_GRACEFUL_STOP_TIMEOUT * 1000).unref(),
      );
      await Promise.race([closed, grace]);
      server.closeAllConnections();
      unsubscribe();
      await ctx.close();
    })();
    return stopping;
  };
  return { server, address, metricsAddress, stop, flush: async () => ctx.cache?.flush() };
}
