// One put/get/delete round trip against each storage server that servers.sh started, through the
// same official SDKs the cache adapters use (resolved from packages/cache). Exits 1 if any server
// fails or is missing.
// usage (repo root): bash scripts/storage-servers/servers.sh start && . .test-servers/env.sh && node scripts/storage-servers/smoke.mjs
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';

const require = createRequire(new URL('../../packages/cache/package.json', import.meta.url));
const env = process.env;
const stamp = `smoke-${process.pid}-${Date.now()}`;
const body = Buffer.from(`hello from ${stamp}`);
let failed = false;

async function check(name, needs, roundTrip) {
  const missing = needs.filter((v) => !env[v]);
  if (missing.length > 0) {
    failed = true;
    console.log(`MISSING ${name}: ${missing.join(', ')} unset (source .test-servers/env.sh after start)`);
    return;
  }
  const started = performance.now();
  try {
    await roundTrip();
    console.log(`ok      ${name} (${Math.round(performance.now() - started)} ms)`);
  } catch (error) {
    failed = true;
    console.log(`FAIL    ${name}: ${error?.stack ?? error}`);
  }
}

function assert(condition, message) {
  if (!condition) throw new Error(message);
}

await check(
  's3 (swift s3api)',
  ['TEST_S3_ENDPOINT', 'TEST_S3_KEY', 'TEST_S3_SECRET', 'TEST_S3_REGION'],
  async () => {
    const s3sdk = require('@aws-sdk/client-s3');
    const s3 = new s3sdk.S3Client({
      endpoint: env.TEST_S3_ENDPOINT,
      region: env.TEST_S3_REGION,
      forcePathStyle: true, // no virtual-host DNS for bucket.127.0.0.1
      credentials: { accessKeyId: env.TEST_S3_KEY, secretAccessKey: env.TEST_S3_SECRET },
      requestChecksumCalculation: 'WHEN_REQUIRED', // s3api answers 501 to aws-chunked bodies
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    // s3api requires Content-MD5 on DeleteObjects, which the SDK no longer sends by itself.
    s3.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'DeleteObjectsCommand' && args.request?.body != null) {
          args.request.headers['content-md5'] = createHash('md5').update(args.request.body).digest('base64');
        }
        return next(args);
      },
      { step: 'build', name: 'contentMd5ForDeleteObjects' },
    );
    const Bucket = stamp;
    const Key = 'dir/object.bin';
    await s3.send(new s3sdk.CreateBucketCommand({ Bucket }));
    await s3.send(new s3sdk.PutObjectCommand({ Bucket, Key, Body: body, ContentType: 'image/webp' }));
    const got = await s3.send(new s3sdk.GetObjectCommand({ Bucket, Key }));
    assert(Buffer.from(await got.Body.transformToByteArray()).equals(body), 'GetObject returned other bytes');
    assert(got.ContentType === 'image/webp', `content type ${got.ContentType}`);
    const deleted = await s3.send(new s3sdk.DeleteObjectsCommand({ Bucket, Delete: { Objects: [{ Key }] } }));
    assert(deleted.Deleted?.length === 1 && !deleted.Errors?.length, 'DeleteObjects did not delete');
    const gone = await s3.send(new s3sdk.HeadObjectCommand({ Bucket, Key })).then(
      () => false,
      (error) => error.$metadata?.httpStatusCode === 404,
    );
    assert(gone, 'object still there after delete');
    await s3.send(new s3sdk.DeleteBucketCommand({ Bucket }));
  },
);

await check('swift (tempauth)', ['TEST_SWIFT_AUTH_URL', 'TEST_SWIFT_USER', 'TEST_SWIFT_KEY'], async () => {
  const auth = await fetch(env.TEST_SWIFT_AUTH_URL, {
    headers: { 'X-Auth-User': env.TEST_SWIFT_USER, 'X-Auth-Key': env.TEST_SWIFT_KEY },
  });
  assert(auth.status === 200, `auth answered ${auth.status}`);
  const headers = { 'X-Auth-Token': auth.headers.get('x-auth-token') };
  const container = `${auth.headers.get('x-storage-url')}/${stamp}`;
  const object = `${container}/dir/object.bin`;
  const expect = async (url, init, status) => {
    const response = await fetch(url, { ...init, headers: { ...headers, ...init.headers } });
    assert(response.status === status, `${init.method ?? 'GET'} ${url} answered ${response.status}`);
    return response;
  };
  await expect(container, { method: 'PUT' }, 201);
  await expect(object, { method: 'PUT', body, headers: { 'Content-Type': 'image/webp' } }, 201);
  const got = await expect(object, {}, 200);
  assert(Buffer.from(await got.arrayBuffer()).equals(body), 'GET returned other bytes');
  await expect(object, { method: 'DELETE' }, 204);
  await expect(object, { method: 'HEAD' }, 404);
  await expect(container, { method: 'DELETE' }, 204);
});

await check('azure blob (azurite)', ['TEST_ABS_CONNECTION_STRING'], async () => {
  const { BlobServiceClient } = require('@azure/storage-blob');
  const container = BlobServiceClient.fromConnectionString(env.TEST_ABS_CONNECTION_STRING).getContainerClient(
    stamp,
  );
  await container.create();
  const blob = container.getBlockBlobClient('dir/object.bin');
  await blob.uploadData(body, { blobHTTPHeaders: { blobContentType: 'image/webp' } });
  assert((await blob.downloadToBuffer()).equals(body), 'download returned other bytes');
  await blob.delete();
  assert(!(await blob.exists()), 'blob still there after delete');
  await container.delete();
});

await check('gcs (firebase emulator)', ['TEST_GCS_ENDPOINT', 'TEST_GCS_PROJECT'], async () => {
  const { Storage } = require('@google-cloud/storage');
  // With a custom apiEndpoint the SDK sends no credentials; buckets exist implicitly in the emulator.
  const storage = new Storage({ apiEndpoint: env.TEST_GCS_ENDPOINT, projectId: env.TEST_GCS_PROJECT });
  const file = storage.bucket(stamp).file('dir/object.bin');
  await file.save(body, { contentType: 'image/webp', resumable: false });
  const [downloaded] = await file.download();
  assert(downloaded.equals(body), 'download returned other bytes');
  await file.delete();
  assert(!(await file.exists())[0], 'object still there after delete');
});

process.exitCode = failed ? 1 : 0;
