import type { RequestListener, Server } from 'node:http';
import { createServer, ServerResponse } from 'node:http';
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
      ServerResponse: writeLimitedResponse(writeMs),
    },
    (req, res) => {
      if (!keepAlive) res.shouldKeepAlive = false;
      handler(req, res);
    },
  );
  if (config.IMGPROXY_MAX_CLIENTS > 0) server.maxConnections = config.IMGPROXY_MAX_CLIENTS;
  return server;
}

const WRITE_TIMER = Symbol('writeTimer');

/**
 * IMGPROXY_WRITE_RESPONSE_TIMEOUT as a response class: a response is destroyed when it is not
 * handed to the socket within `ms` of its first byte. Node writes the head through writeHead also
 * when the handler only calls end(); a response emits 'close' once it is done (after 'finish') or its
 * socket is gone. Why a class, not a wrapper and two listeners on each response: those cost a cache
 * hit 8 us of its ~60 (measured). Express swaps the prototype of the responses it routes: app.ts
 * puts this class under Express's response methods (limitExpressResponses).
 */
export function writeLimitedResponse(ms: number): typeof ServerResponse {
  const cutOff = (res: { destroy(): void }) => res.destroy();
  class WriteLimitedResponse extends ServerResponse {
    [WRITE_TIMER]: NodeJS.Timeout | undefined;

    // biome-ignore lint/suspicious/noExplicitAny: passes writeHead's overloads through as they are
    override writeHead(...args: any[]): this {
      this[WRITE_TIMER] ??= setTimeout(cutOff, ms, this).unref();
      return super.writeHead(...(args as [number]));
    }

    override emit(event: string | symbol, ...args: unknown[]): boolean {
      if (event === 'close' && this[WRITE_TIMER]) clearTimeout(this[WRITE_TIMER]);
      return super.emit(event, ...args);
    }
  }
  // A ServerResponse for any request type; TypeScript cannot see that through the generic.
  return WriteLimitedResponse as unknown as typeof ServerResponse;
}

/**
 * Makes the responses an Express app routes keep the write limit: Express gives each of them the
 * prototype `app.response`, whose methods sit on a prototype chain that ends at Node's
 * ServerResponse; here they sit on the limited class instead (for this app only).
 */
export function limitExpressResponses(app: { response: object }, ms: number): void {
  const methods = Object.getOwnPropertyDescriptors(Object.getPrototypeOf(app.response));
  Object.setPrototypeOf(app.response, Object.create(writeLimitedResponse(ms).prototype, methods));
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
