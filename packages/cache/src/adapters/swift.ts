/**
 * OpenStack Swift over its HTTP API (there is no maintained Node SDK), with undici.
 * Auth: v1 (TempAuth and compatibles: X-Auth-User/X-Auth-Key -> X-Storage-Url + X-Auth-Token) and
 * v3 (Keystone password auth, project-scoped; the storage URL comes from the token's catalog).
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { BucketStorage, EntryInfo, PutInfo, Storage, StoredEntry } from '../storage.js';
import { checkBucket, checkKey, checkPrefix, checkPutInfo, forEachLimited } from './validate.js';

export interface SwiftStorageOptions {
  /** IMGPROXY_CACHE_BUCKET: the container; created on the first put if missing. */
  container: string;
  /** IMGPROXY_CACHE_SWIFT_USERNAME (v1: `account:user`). */
  username: string;
  /** IMGPROXY_CACHE_SWIFT_API_KEY (v3: the password). */
  apiKey: string;
  /** IMGPROXY_CACHE_SWIFT_AUTH_URL, e.g. `http://host:8080/auth/v1.0` or `https://keystone/v3`. */
  authUrl: string;
  /** IMGPROXY_CACHE_SWIFT_AUTH_VERSION: 0 (default) guesses from the URL as imgproxy does; 1 or 3. */
  authVersion?: number;
  /** IMGPROXY_CACHE_SWIFT_TENANT: the v3 project name. */
  tenant?: string;
  /** IMGPROXY_CACHE_SWIFT_DOMAIN: the v3 user and project domain name (default "Default"). */
  domain?: string;
  /** IMGPROXY_CACHE_SWIFT_TIMEOUT_SECONDS (60): for response headers and between body chunks. */
  timeoutSeconds?: number;
  /** IMGPROXY_CACHE_SWIFT_CONNECT_TIMEOUT_SECONDS (10) */
  connectTimeoutSeconds?: number;
  /** Objects per listing page in deletePrefix (default 10000, Swift's maximum); tests lower it. */
  listPageSize?: number;
}

interface Session {
  storageUrl: string;
  token: string;
}

type Response = Dispatcher.ResponseData;

const DELETE_CONCURRENCY = 16;
const META_PREFIX = 'x-object-meta-';

/** imgproxy's rule (from ncw/swift): a URL mentioning v3 or v2 names that version, anything else is v1. */
export function swiftAuthVersion(authUrl: string, configured = 0): number {
  if (configured !== 0) return configured;
  if (authUrl.includes('v3')) return 3;
  if (authUrl.includes('v2')) return 2;
  return 1;
}

export async function createSwiftStorage(options: SwiftStorageOptions): Promise<BucketStorage> {
  const undici = await import('undici');
  const version = swiftAuthVersion(options.authUrl, options.authVersion);
  if (version !== 1 && version !== 3) {
    // Keystone's v2 API was removed from OpenStack in 2018 (Queens); only v1 and v3 are spoken.
    throw new TypeError(`Swift auth version ${version} is not supported: use 1 (TempAuth) or 3 (Keystone)`);
  }
  const timeout = (options.timeoutSeconds ?? 60) * 1000;
  const dispatcher = new undici.Agent({
    connect: { timeout: (options.connectTimeoutSeconds ?? 10) * 1000 },
    headersTimeout: timeout,
    bodyTimeout: timeout,
  });

  const send = (url: string, opts: Omit<Dispatcher.RequestOptions, 'origin' | 'path'>) =>
    undici.request(url, { ...opts, dispatcher }) as Promise<Response>;

  async function loginV1(): Promise<Session> {
    const res = await send(options.authUrl, {
      method: 'GET',
      headers: { 'x-auth-user': options.username, 'x-auth-key': options.apiKey },
    });
    await res.body.dump();
    const storageUrl = header(res, 'x-storage-url');
    const token = header(res, 'x-auth-token');
    if (res.statusCode >= 300 || !storageUrl || !token)
      throw new Error(`Swift v1 auth failed: HTTP ${res.statusCode}`);
    return { storageUrl, token };
  }

  async function loginV3(): Promise<Session> {
    if (!options.tenant) throw new TypeError('Swift v3 auth needs a project (IMGPROXY_CACHE_SWIFT_TENANT)');
    const domain = { name: options.domain || 'Default' };
    const res = await send(`${options.authUrl.replace(/\/+$/, '')}/auth/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        auth: {
          identity: {
            methods: ['password'],
            password: { user: { name: options.username, password: options.apiKey, domain } },
          },
          scope: { project: { name: options.tenant, domain } },
        },
      }),
    });
    if (res.statusCode !== 201) {
      await res.body.dump();
      throw new Error(`Swift v3 (Keystone) auth failed: HTTP ${res.statusCode}`);
    }
    const token = header(res, 'x-subject-token');
    const body = (await res.body.json()) as {
      token?: { catalog?: { type: string; endpoints: { interface: string; url: string }[] }[] };
    };
    const storageUrl = body.token?.catalog
      ?.find((s) => s.type === 'object-store')
      ?.endpoints.find((e) => e.interface === 'public')?.url;
    if (!token || !storageUrl)
      throw new Error('Swift v3 auth: no token or no public object-store endpoint in the catalog');
    return { storageUrl: storageUrl.replace(/\/+$/, ''), token };
  }

  let session: Promise<Session> | null = null;
  function currentSession(): Promise<Session> {
    session ??= (version === 3 ? loginV3() : loginV1()).catch((e) => {
      session = null;
      throw e;
    });
    return session;
  }

  /** One Swift call; a 401 (token expired or revoked) logs in again and retries once. */
  async function call(
    method: Dispatcher.HttpMethod,
    path: string,
    headers: Record<string, string> = {},
    body?: Buffer,
  ): Promise<Response> {
    for (let attempt = 0; ; attempt++) {
      const current = currentSession();
      const { storageUrl, token } = await current;
      const res = await send(storageUrl + path, {
        method,
        headers: { ...headers, 'x-auth-token': token },
        body,
      });
      if (res.statusCode !== 401 || attempt > 0) return res;
      await res.body.dump();
      // Only drop the session this request used: a concurrent request may already hold a new one.
      if (session === current) session = null;
    }
  }

  function forBucket(containerName: string): Storage {
    const container = `/${encodeURIComponent(checkBucket(containerName))}`;
    const objectPath = (key: string) =>
      `${container}/${checkKey(key).split('/').map(encodeURIComponent).join('/')}`;

    async function fail(res: Response, what: string): Promise<never> {
      await res.body.dump();
      throw new Error(`Swift ${what} failed: HTTP ${res.statusCode}`);
    }

    async function deleteObject(path: string): Promise<boolean> {
      const res = await call('DELETE', path);
      await res.body.dump();
      if (res.statusCode === 404) return false;
      if (res.statusCode >= 300) throw new Error(`Swift DELETE failed: HTTP ${res.statusCode}`);
      return true;
    }

    return {
      kind: 'swift',

      async get(key: string): Promise<StoredEntry | null> {
        const res = await call('GET', objectPath(key));
        if (res.statusCode === 404) return res.body.dump().then(() => null);
        if (res.statusCode !== 200) return fail(res, 'GET');
        return { info: infoOf(res), body: res.body as Readable };
      },

      async stat(key: string): Promise<EntryInfo | null> {
        const res = await call('HEAD', objectPath(key));
        await res.body.dump();
        if (res.statusCode === 404) return null;
        if (res.statusCode !== 200) throw new Error(`Swift HEAD failed: HTTP ${res.statusCode}`);
        return infoOf(res);
      },

      async put(key: string, body: Buffer, putInfo: PutInfo): Promise<void> {
        const { contentType, metadata } = checkPutInfo(putInfo);
        const headers: Record<string, string> = {
          'content-type': contentType,
          // Swift checks the ETag against what it received and refuses (422) a body cut short,
          // so a write interrupted on the wire can never become an entry.
          etag: createHash('md5').update(body).digest('hex'),
        };
        for (const [k, v] of Object.entries(metadata)) headers[META_PREFIX + k] = v;
        let res = await call('PUT', objectPath(key), headers, body);
        if (res.statusCode === 404) {
          // First write to this container: create it (PUT on an existing container is a no-op 202).
          await res.body.dump();
          const created = await call('PUT', container);
          if (created.statusCode >= 300) return fail(created, 'container PUT');
          await created.body.dump();
          res = await call('PUT', objectPath(key), headers, body);
        }
        if (res.statusCode !== 201) return fail(res, 'PUT');
        await res.body.dump();
      },

      async delete(key: string): Promise<void> {
        await deleteObject(objectPath(key));
      },

      async deletePrefix(prefix: string): Promise<number> {
        const p = checkPrefix(prefix);
        const limit = options.listPageSize ?? 10_000;
        let deleted = 0;
        let marker = '';
        for (;;) {
          const query = new URLSearchParams({ format: 'json', prefix: p, limit: String(limit), marker });
          const res = await call('GET', `${container}?${query}`);
          if (res.statusCode === 404) return res.body.dump().then(() => deleted);
          if (res.statusCode === 204) return res.body.dump().then(() => deleted);
          if (res.statusCode !== 200) return fail(res, 'container listing');
          const names = ((await res.body.json()) as { name: string }[]).map((o) => o.name);
          // No bulk delete: the bulk middleware is optional in Swift and absent from many setups.
          await forEachLimited(names, DELETE_CONCURRENCY, async (name) => {
            if (await deleteObject(`${container}/${name.split('/').map(encodeURIComponent).join('/')}`))
              deleted++;
          });
          if (names.length < limit) return deleted;
          marker = names.at(-1) as string;
        }
      },
    };
  }

  return {
    ...forBucket(options.container),
    withBucket: forBucket,
    async close() {
      await dispatcher.close();
    },
  };
}

function header(res: Response, name: string): string | undefined {
  const v = res.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function infoOf(res: Response): EntryInfo {
  const metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(res.headers)) {
    if (name.startsWith(META_PREFIX) && typeof value === 'string')
      metadata[name.slice(META_PREFIX.length)] = value;
  }
  const lastModified = header(res, 'last-modified');
  return {
    size: Number(header(res, 'content-length') ?? 0),
    contentType: header(res, 'content-type') ?? 'application/octet-stream',
    metadata,
    ...(lastModified ? { lastModified: new Date(lastModified) } : {}),
  };
}
