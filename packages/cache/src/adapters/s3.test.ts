import { randomUUID } from 'node:crypto';
import { CreateBucketCommand, DeleteBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, describe, expect, it } from 'vitest';
import { LIST_PAGE_SIZE, storageConformance } from '../test-conformance.js';
import { serverEnv } from '../test-servers.js';
import { createS3Storage } from './s3.js';

const env = serverEnv('s3', ['TEST_S3_ENDPOINT', 'TEST_S3_KEY', 'TEST_S3_SECRET', 'TEST_S3_REGION']);

describe.skipIf(!env)('s3 storage (Swift s3api)', () => {
  // Collected even when skipped: no variable may be dereferenced before a test runs.
  const e = env ?? ({} as NonNullable<typeof env>);
  const buckets: string[] = [];
  const credentials = { accessKeyId: e.TEST_S3_KEY, secretAccessKey: e.TEST_S3_SECRET };
  const admin = () =>
    new S3Client({
      endpoint: e.TEST_S3_ENDPOINT,
      region: e.TEST_S3_REGION,
      forcePathStyle: true,
      credentials,
    });

  /** A fresh bucket per suite: the adapter itself never creates buckets (S3 buckets are provisioned). */
  async function withNewBucket() {
    const bucket = `tintype-${randomUUID()}`;
    const client = admin();
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    client.destroy();
    buckets.push(bucket);
    return createS3Storage({
      bucket,
      endpoint: e.TEST_S3_ENDPOINT,
      region: e.TEST_S3_REGION,
      credentials,
      listPageSize: LIST_PAGE_SIZE,
    });
  }

  afterAll(async () => {
    const client = admin();
    for (const Bucket of buckets) await client.send(new DeleteBucketCommand({ Bucket })).catch(() => {});
    client.destroy();
  });

  storageConformance('s3', withNewBucket);

  it('reaches another bucket through the same client', async () => {
    const a = await withNewBucket();
    const b = await withNewBucket();
    await a
      .withBucket(buckets.at(-1) as string)
      .put('k', Buffer.from('in b'), { contentType: 'a/b', metadata: {} });
    expect(await a.stat('k')).toBeNull();
    expect((await b.stat('k'))?.size).toBe(4);
    await b.delete('k');
    await a.close?.();
    await b.close?.();
  });

  it('accepts an endpoint without a scheme', async () => {
    const storage = await withNewBucket();
    const bucket = buckets.at(-1) as string;
    const bare = await createS3Storage({
      bucket,
      endpoint: e.TEST_S3_ENDPOINT.replace(/^http:\/\//, ''),
      region: e.TEST_S3_REGION,
      credentials,
    });
    await bare.put('k', Buffer.from('x'), { contentType: 'a/b', metadata: {} });
    expect((await storage.stat('k'))?.size).toBe(1);
    await bare.delete('k');
    await bare.close?.();
    await storage.close?.();
  });
});
