import type { Server } from 'node:http';
import { setFlagsFromString } from 'node:v8';
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

/**
 * V8 sizes the old generation at about 1.5 times what survived the last full collection, a factor
 * it picks from its own timings. This server's heap is small (16 MB live) and, under a miss load,
 * the objects of requests waiting for a pixel worker outlive two scavenges and fill that headroom
 * in a fraction of a second: a full collection every 4 images, about half of the main thread's time
 * (docs/benchmarks.md, "the collector was part of it after all"). A fixed factor of 4 (V8's own upper bound) makes them
 * 5 times rarer for about 30 MB of RSS. Node refuses this flag in NODE_OPTIONS, hence set here; a
 * `--heap-growing-percent` on node's own command line (0: V8's choice) is left as given.
 */
function growHeapFaster() {
  if (!process.execArgv.some((a) => a.startsWith('--heap-growing-percent'))) {
    setFlagsFromString('--heap-growing-percent=300');
  }
}

export async function startServer(config: Config, log: Logger): Promise<RunningServer> {
  growHeapFaster();
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
