import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Route = (req: IncomingMessage, res: ServerResponse) => void;

/** A real HTTP origin on 127.0.0.1 that counts requests per path, for tests. */
export interface Origin {
  url: string;
  hits: Map<string, number>;
  requests: IncomingMessage[];
  route(path: string, handler: Route): void;
  close(): Promise<void>;
}

export async function startOrigin(routes: Record<string, Route> = {}): Promise<Origin> {
  const table = new Map(Object.entries(routes));
  const hits = new Map<string, number>();
  const requests: IncomingMessage[] = [];
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    requests.push(req);
    const handler = table.get(path);
    if (!handler) {
      res.writeHead(404).end('not found');
      return;
    }
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    requests,
    route: (path, handler) => table.set(path, handler),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export const serveBytes =
  (data: Buffer, contentType = 'image/jpeg', headers: Record<string, string> = {}): Route =>
  (_req, res) => {
    res.writeHead(200, { 'content-type': contentType, 'content-length': data.length, ...headers }).end(data);
  };
