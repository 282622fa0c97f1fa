import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The cache backends a test can run against: fs always, and each remote whose real server
 * scripts/storage-servers/servers.sh started (variables from .test-servers/env.sh). A remote
 * whose server is not up is reported loudly and fails the run in CI.
 */
export interface CacheBackend {
  kind: 'fs' | 's3' | 'swift' | 'abs' | 'gcs';
  ready: boolean;
  /** The variable holding the HTTP endpoint every storage request goes to (none for Swift, whose
   * auth answer names the storage URL). */
  endpointVar?: string;
  /** IMGPROXY_* variables of a cold cache: its own bucket (or fs root) and a fresh path prefix. */
  env(overrides?: Record<string, string>): Promise<Record<string, string>>;
}

const env = process.env;
const run = randomUUID().slice(0, 8);
const buckets = new Map<string, Promise<string>>();

/** One bucket per backend and run, made once; each env() gets a fresh prefix inside it. */
function bucketFor(kind: string): Promise<string> {
  let made = buckets.get(kind);
  if (!made) {
    const name = `tintype-${run}-${kind}`;
    made = kind === 's3' ? createS3Bucket(name).then(() => name) : Promise.resolve(name);
    buckets.set(kind, made);
  }
  return made;
}

async function createS3Bucket(name: string): Promise<void> {
  // The AWS SDK reads credentials from its usual chain; the Swift s3api takes the TempAuth pair.
  env.AWS_ACCESS_KEY_ID ??= env.TEST_S3_KEY;
  env.AWS_SECRET_ACCESS_KEY ??= env.TEST_S3_SECRET;
  const { S3Client, CreateBucketCommand } = await import('@aws-sdk/client-s3');
  const s3 = new S3Client({
    endpoint: env.TEST_S3_ENDPOINT,
    region: env.TEST_S3_REGION,
    forcePathStyle: true,
  });
  await s3.send(new CreateBucketCommand({ Bucket: name }));
  s3.destroy();
}

const remote = (
  kind: CacheBackend['kind'],
  ready: boolean,
  vars: () => Record<string, string>,
  endpointVar?: string,
): CacheBackend => ({
  kind,
  ready,
  endpointVar,
  async env(overrides = {}) {
    return {
      IMGPROXY_CACHE_USE: kind,
      IMGPROXY_CACHE_BUCKET: await bucketFor(kind),
      IMGPROXY_CACHE_PATH_PREFIX: `t-${randomUUID().slice(0, 8)}`,
      ...vars(),
      ...overrides,
    };
  },
});

export const CACHE_BACKENDS: CacheBackend[] = [
  {
    kind: 'fs',
    ready: true,
    async env(overrides = {}) {
      return {
        IMGPROXY_CACHE_USE: 'fs',
        IMGPROXY_CACHE_FS_ROOT: mkdtempSync(join(tmpdir(), 'tintype-cache-')),
        ...overrides,
      };
    },
  },
  remote(
    's3',
    Boolean(env.TEST_S3_ENDPOINT),
    () => ({
      IMGPROXY_CACHE_S3_ENDPOINT: env.TEST_S3_ENDPOINT ?? '',
      IMGPROXY_CACHE_S3_REGION: env.TEST_S3_REGION ?? '',
    }),
    'IMGPROXY_CACHE_S3_ENDPOINT',
  ),
  remote('swift', Boolean(env.TEST_SWIFT_AUTH_URL), () => ({
    IMGPROXY_CACHE_SWIFT_AUTH_URL: env.TEST_SWIFT_AUTH_URL ?? '',
    IMGPROXY_CACHE_SWIFT_USERNAME: env.TEST_SWIFT_USER ?? '',
    IMGPROXY_CACHE_SWIFT_API_KEY: env.TEST_SWIFT_KEY ?? '',
  })),
  remote(
    'abs',
    Boolean(env.TEST_ABS_ENDPOINT),
    () => ({
      IMGPROXY_CACHE_ABS_NAME: env.TEST_ABS_ACCOUNT ?? '',
      IMGPROXY_CACHE_ABS_KEY: env.TEST_ABS_KEY ?? '',
      IMGPROXY_CACHE_ABS_ENDPOINT: env.TEST_ABS_ENDPOINT ?? '',
    }),
    'IMGPROXY_CACHE_ABS_ENDPOINT',
  ),
  remote(
    'gcs',
    Boolean(env.TEST_GCS_ENDPOINT),
    () => ({ IMGPROXY_CACHE_GCS_ENDPOINT: env.TEST_GCS_ENDPOINT ?? '' }),
    'IMGPROXY_CACHE_GCS_ENDPOINT',
  ),
];

for (const b of CACHE_BACKENDS) {
  if (b.ready) continue;
  const message = `\n!!! ${b.kind}: storage server not running (source .test-servers/env.sh); its HTTP tests are SKIPPED\n`;
  if (env.CI) throw new Error(message);
  process.stderr.write(message);
}

/**
 * A plain HTTP proxy in front of a storage endpoint that counts the requests passing through it
 * and can be taken down, so a test can show that something never touched the backend. Headers
 * (Host included) pass unchanged, so signed requests (S3 SigV4, Azure SharedKey) still verify.
 */
export interface BackendProxy {
  /** The endpoint to configure instead of `target`, with the same path. */
  url: string;
  requests: number;
  /** While down, every request fails at the socket, as a stopped server would. */
  down: boolean;
  close(): Promise<void>;
}

export async function startBackendProxy(target: string): Promise<BackendProxy> {
  const upstream = new URL(target);
  const state = { requests: 0, down: false };
  const server: Server = createServer((req, res) => {
    state.requests++;
    if (state.down) {
      req.socket.destroy();
      return;
    }
    const forward = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${upstream.pathname.replace(/\/$/, '')}`,
    get requests() {
      return state.requests;
    },
    get down() {
      return state.down;
    },
    set down(value: boolean) {
      state.down = value;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
