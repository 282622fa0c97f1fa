import { Writable } from 'node:stream';
import pino from 'pino';
import { loadConfig } from '../config/index.js';
import { type RunningServer, startServer } from '../serve.js';

export interface TestServer {
  url: string;
  running: RunningServer;
  logs: Record<string, unknown>[];
  get(path: string, init?: RequestInit): Promise<Response>;
  stop(): Promise<void>;
}

/**
 * Starts the real server in this process on an ephemeral loopback port with the given IMGPROXY_*
 * variables (on top of none of the machine's), capturing its log lines.
 */
export async function startTestServer(env: Record<string, string> = {}): Promise<TestServer> {
  const { config } = loadConfig({ IMGPROXY_BIND: '127.0.0.1:0', IMGPROXY_LOG_LEVEL: 'debug', ...env });
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      for (const line of String(chunk).split('\n')) if (line) logs.push(JSON.parse(line));
      cb();
    },
  });
  const log = pino({ level: 'debug', base: undefined }, sink);
  const running = await startServer(config, log);
  const url = `http://${running.address}`;
  return {
    url,
    running,
    logs,
    get: (path, init) => fetch(url + path, init),
    stop: () => running.stop(),
  };
}
