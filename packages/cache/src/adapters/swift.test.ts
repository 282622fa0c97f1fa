import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { LIST_PAGE_SIZE, storageConformance } from '../test-conformance.js';
import { serverEnv } from '../test-servers.js';
import { createSwiftStorage, swiftAuthVersion } from './swift.js';

describe('swiftAuthVersion', () => {
  it('guesses from the auth URL as imgproxy does, unless configured', () => {
    expect(swiftAuthVersion('http://127.0.0.1:8080/auth/v1.0')).toBe(1);
    expect(swiftAuthVersion('https://keystone.example/v3')).toBe(3);
    expect(swiftAuthVersion('https://keystone.example/v2.0')).toBe(2);
    expect(swiftAuthVersion('https://keystone.example/v3', 1)).toBe(1);
  });

  it('refuses auth v2', async () => {
    await expect(
      createSwiftStorage({ container: 'c', username: 'u', apiKey: 'k', authUrl: 'http://127.0.0.1:1/v2.0' }),
    ).rejects.toThrow(/version 2/);
  });
});

const env = serverEnv('swift', ['TEST_SWIFT_AUTH_URL', 'TEST_SWIFT_USER', 'TEST_SWIFT_KEY']);

describe.skipIf(!env)('swift storage (Swift 2.30, TempAuth)', () => {
  // Collected even when skipped: no variable may be dereferenced before a test runs.
  const e = env ?? ({} as NonNullable<typeof env>);
  // The container does not exist yet: the adapter creates it on its first put.
  const make = (container = `tintype-${randomUUID()}`) =>
    createSwiftStorage({
      container,
      username: e.TEST_SWIFT_USER,
      apiKey: e.TEST_SWIFT_KEY,
      authUrl: e.TEST_SWIFT_AUTH_URL,
      listPageSize: LIST_PAGE_SIZE,
    });

  storageConformance('swift', () => make());

  it('logs in again when the server forgets its token', async () => {
    const storage = await make();
    await storage.put('k', Buffer.from('v'), { contentType: 'text/plain', metadata: {} });
    // TempAuth keeps its tokens only in memcached: flushing it revokes every token, as an expiry would.
    await flushMemcached(Number(process.env.TEST_SERVERS_MEMCACHED_PORT ?? 11311));
    expect((await storage.stat('k'))?.size).toBe(1);
    await storage.deletePrefix('k');
    await storage.delete('k');
    await storage.close?.();
  });

  it('reports wrong credentials as an error, not as a miss', async () => {
    const storage = await createSwiftStorage({
      container: 'c',
      username: e.TEST_SWIFT_USER,
      apiKey: 'wrong',
      authUrl: e.TEST_SWIFT_AUTH_URL,
    });
    await expect(storage.get('k')).rejects.toThrow(/auth failed: HTTP 401/);
    await storage.close?.();
  });
});

function flushMemcached(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write('flush_all\r\n'));
    socket.on('data', (d) => {
      socket.end();
      if (d.toString().startsWith('OK')) resolve();
      else reject(new Error(`memcached said ${d}`));
    });
    socket.on('error', reject);
  });
}

const v3 = serverEnv(
  'swift with Keystone v3',
  ['TEST_SWIFT_V3_AUTH_URL', 'TEST_SWIFT_V3_USER', 'TEST_SWIFT_V3_KEY', 'TEST_SWIFT_V3_TENANT'],
  { optional: true },
);

describe.skipIf(!v3)('swift storage (Swift 2.30 behind Keystone v3)', () => {
  const e = v3 ?? ({} as NonNullable<typeof v3>);
  const options = () => ({
    username: e.TEST_SWIFT_V3_USER,
    apiKey: e.TEST_SWIFT_V3_KEY,
    authUrl: e.TEST_SWIFT_V3_AUTH_URL,
    tenant: e.TEST_SWIFT_V3_TENANT,
    ...(process.env.TEST_SWIFT_V3_DOMAIN ? { domain: process.env.TEST_SWIFT_V3_DOMAIN } : {}),
  });

  // Auth version 0: the `/v3` in the auth URL selects Keystone.
  storageConformance('swift v3', () =>
    createSwiftStorage({ ...options(), container: `tintype-${randomUUID()}`, listPageSize: LIST_PAGE_SIZE }),
  );

  it('reports a wrong password as an error', async () => {
    const storage = await createSwiftStorage({ ...options(), apiKey: 'wrong', container: 'c' });
    await expect(storage.get('k')).rejects.toThrow(/Keystone\) auth failed: HTTP 401/);
    await storage.close?.();
  });

  it('needs a project to scope the token to', async () => {
    const storage = await createSwiftStorage({ ...options(), tenant: undefined, container: 'c' });
    await expect(storage.get('k')).rejects.toThrow(/TENANT/);
    await storage.close?.();
  });
});
