import type { RequestListener, Server, ServerResponse } from 'node:http';
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
 * An HTTP server with imgproxy's socket settings:
 * - IMGPROXY_READ_REQUEST_TIMEOUT bounds reading a request (headers and body, as Go's
 *   ReadTimeout). Why: a slow client (slowloris) must not hold a socket; and it never holds a
 *   worker, which is only taken once the request has been read.
 * - IMGPROXY_WRITE_RESPONSE_TIMEOUT bounds writing the response, from its first byte (as
 *   imgproxy's write deadline). Why: a client that stops reading must not pin the result in memory.
 * - IMGPROXY_KEEP_ALIVE_TIMEOUT is the idle time of a kept-alive connection; 0 turns keep-alive
 *   off (Node would read 0 as "never time out").
 * - IMGPROXY_MAX_CLIENTS caps open connections. Node closes a connection over the cap at once,
 *   where Go's LimitListener leaves it waiting in the accept backlog.
 */
export function createHttpServer(config: Config, handler: RequestListener): Server {
  const readMs = config.IMGPROXY_READ_REQUEST_TIMEOUT * 1000;
  const writeMs = config.IMGPROXY_WRITE_RESPONSE_TIMEOUT * 1000;
  const keepAlive = config.IMGPROXY_KEEP_ALIVE_TIMEOUT > 0;
  const server = createServer(
    {
      headersTimeout: readMs,
      requestTimeout: readMs,
      // Node checks the two deadlines above on this interval, 30 s by default: that long past
      // the deadline, a slow client would still hold its socket.
      connectionsCheckingInterval: Math.min(1000, readMs),
      keepAliveTimeout: config.IMGPROXY_KEEP_ALIVE_TIMEOUT * 1000,
      noDelay: true,
    },
    (req, res) => {
      if (!keepAlive) res.shouldKeepAlive = false;
      limitWrite(res, writeMs);
      handler(req, res);
    },
  );
  if (config.IMGPROXY_MAX_CLIENTS > 0) server.maxConnections = config.IMGPROXY_MAX_CLIENTS;
  return server;
}

/** Destroys the response if it is not handed to the socket within `ms` of its first byte. */
function limitWrite(res: ServerResponse, ms: number): void {
  const writeHead = res.writeHead;
  let timer: NodeJS.Timeout | undefined;
  // Node writes the head through writeHead also when the handler only calls end().
  res.writeHead = function (this: ServerResponse, ...args: Parameters<ServerResponse['writeHead']>) {
    if (!timer) {
      timer = setTimeout(() => res.destroy(), ms).unref();
      const clear = () => clearTimeout(timer);
      res.once('finish', clear);
      res.once('close', clear);
    }
    return writeHead.apply(this, args);
  } as ServerResponse['writeHead'];
}

/**
 * Whether listen() can set SO_REUSEPORT: Node 22.12 and 23.1 added `reusePort`; older versions
 * ignore the option without a word, so serve warns instead (as imgproxy does where Go cannot).
 */
export const REUSE_PORT_SUPPORTED = (() => {
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  return major > 22 || (major === 22 && minor >= 12);
})();

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
