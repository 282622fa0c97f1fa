import { randomUUID } from 'node:crypto';
import { BlobServiceClient } from '@azure/storage-blob';
import { afterAll, describe, expect, it } from 'vitest';
import { LIST_PAGE_SIZE, storageConformance } from '../test-conformance.js';
import { serverEnv } from '../test-servers.js';
import { createAbsStorage } from './abs.js';

const env = serverEnv('abs', [
  'TEST_ABS_CONNECTION_STRING',
  'TEST_ABS_ACCOUNT',
  'TEST_ABS_KEY',
  'TEST_ABS_ENDPOINT',
]);

describe.skipIf(!env)('abs storage (azurite)', () => {
  // Collected even when skipped: no variable may be dereferenced before a test runs.
  const e = env ?? ({} as NonNullable<typeof env>);
  const containers: string[] = [];
  const fresh = () => {
    const name = `tintype-${randomUUID()}`;
    containers.push(name);
    return name;
  };
  afterAll(async () => {
    const service = BlobServiceClient.fromConnectionString(e.TEST_ABS_CONNECTION_STRING);
    for (const name of containers) await service.getContainerClient(name).deleteIfExists();
  });

  // The container does not exist yet: the adapter creates it on its first put.
  storageConformance('abs (name + key + endpoint)', () =>
    createAbsStorage({
      container: fresh(),
      accountName: e.TEST_ABS_ACCOUNT,
      accountKey: e.TEST_ABS_KEY,
      endpoint: e.TEST_ABS_ENDPOINT,
      listPageSize: LIST_PAGE_SIZE,
    }),
  );

  it('works with a connection string, and creates a missing container once even under concurrent writers', async () => {
    const container = fresh();
    const storage = await createAbsStorage({ container, connectionString: e.TEST_ABS_CONNECTION_STRING });
    expect(await storage.get('k/0')).toBeNull();
    expect(await storage.deletePrefix('k')).toBe(0);
    await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        storage.put(`k/${i}`, Buffer.from(String(i)), { contentType: 'a/b', metadata: {} }),
      ),
    );
    expect(await storage.deletePrefix('k')).toBe(8);
  });

  it('refuses to start without credentials', async () => {
    await expect(createAbsStorage({ container: 'c', accountName: e.TEST_ABS_ACCOUNT })).rejects.toThrow(
      /key/,
    );
  });
});
