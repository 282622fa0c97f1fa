import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { LIST_PAGE_SIZE, storageConformance } from '../test-conformance.js';
import { serverEnv } from '../test-servers.js';
import { createGcsStorage } from './gcs.js';

const env = serverEnv('gcs', ['TEST_GCS_ENDPOINT']);

describe('gcs storage options', () => {
  it('refuses a key that is not JSON without quoting it', async () => {
    const key = '-----BEGIN PRIVATE KEY----- secret';
    const error = await createGcsStorage({ bucket: 'b', key }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).not.toContain('secret');
    expect((error as Error).message).not.toContain('BEGIN');
  });
});

describe.skipIf(!env)('gcs storage (firebase-tools emulator)', () => {
  const endpoint = env?.TEST_GCS_ENDPOINT as string;
  // The emulator creates buckets implicitly; a fresh one per suite keeps runs apart.
  const make = () =>
    createGcsStorage({ bucket: `tintype-${randomUUID()}`, endpoint, listPageSize: LIST_PAGE_SIZE });

  storageConformance('gcs', make);

  it('reaches another bucket through the same client', async () => {
    const a = await make();
    const other = `tintype-${randomUUID()}`;
    const b = await createGcsStorage({ bucket: other, endpoint });
    await a.withBucket(other).put('k', Buffer.from('in b'), { contentType: 'a/b', metadata: {} });
    expect(await a.stat('k')).toBeNull();
    expect((await b.stat('k'))?.size).toBe(4);
    await b.delete('k');
  });
});
