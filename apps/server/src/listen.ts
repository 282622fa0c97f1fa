import type { Server } from 'node:http';
import { createServer } from 'node:http';
import type { Config } from './config/index.js';

export interface ListenTarget {
  host?: string;
  port?: number;
  path?: string;
}

/** Parses IMGPROXY_BIND the way Go's net.Listen reads it: `host:port`, `:port`, `[v6]:port`. */
export function parseBind(bind: string, network: string): ListenTarget {
  if (network === 'unix') return { path: bind };
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(bind);
  if (!m) throw new Error(`IMGPROXY_BIND=${JSON.stringify(bind)}: expected host:port`);
  const host = m[1] ?? m[2] ?? '';
  const port = Number(m[3]);
  if (host !== '') return { host, port };
  // An empty host listens on every address of the chosen family.
  return { host: network === 'tcp4' ? '0.0.0.0' : network === 'tcp6' ? '::' : undefined, port };
}

/**
 * An HTTP server with imgproxy's socket settings: header read deadline, keep-alive timeout and a
 * connection cap. Why the header deadline: a slow client (slowloris) must not hold a socket.
 */
export function createHttpServer(config: Config, handler: Parameters<typeof createServer>[1]): Server {
  const server = createServer(
    {
      headersTimeout: config.IMGPROXY_READ_REQUEST_TIMEOUT * 1000,
      requestTimeout: (config.IMGPROXY_READ_REQUEST_TIMEOUT + config.IMGPROXY_TIMEOUT) * 1000,
      keepAliveTimeout: config.IMGPROXY_KEEP_ALIVE_TIMEOUT * 1000,
      noDelay: true,
    },
    handler,
  );
  if (config.IMGPROXY_MAX_CLIENTS > 0) server.maxConnections = config.IMGPROXY_MAX_CLIENTS;
  return server;
}

export function listen(server: Server, target: ListenTarget, reusePort: boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    const done = () => {
      server.off('error', reject);
      const a = server.address();
      resolve(
        typeof a === 'string'
          ? a
          : a
            ? `${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`
            : '',
      );
    };
    if (target.path) server.listen(target.path, done);
    else server.listen({ host: target.host, port: target.port, reusePort }, done);
  });
}
