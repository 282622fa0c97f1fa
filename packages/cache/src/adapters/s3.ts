import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import type { BucketStorage, EntryInfo, PutInfo, Storage, StoredEntry } from '../storage.js';
import { checkBucket, checkKey, checkPrefix, checkPutInfo } from './validate.js';

export interface S3StorageOptions {
  bucket: string;
  /** IMGPROXY_CACHE_S3_REGION; else AWS_REGION / AWS_DEFAULT_REGION; else us-west-1 as imgproxy. */
  region?: string;
  /** IMGPROXY_CACHE_S3_ENDPOINT, for S3-compatible servers; `http://` is assumed without a scheme. */
  endpoint?: string;
  /** IMGPROXY_CACHE_S3_ENDPOINT_USE_PATH_STYLE (default true); only applies with a custom endpoint. */
  forcePathStyle?: boolean;
  /** Static credentials; without them the AWS SDK's usual chain (env, profile, IMDS, ...) applies. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** IMGPROXY_CACHE_S3_ASSUME_ROLE_ARN: the SDK's STS provider assumes it, on top of the base credentials. */
  assumeRoleArn?: string;
  /** IMGPROXY_CACHE_S3_ASSUME_ROLE_EXTERNAL_ID */
  assumeRoleExternalId?: string;
  /** Keys per listing page in deletePrefix (default and maximum 1000); tests lower it to cross pages. */
  listPageSize?: number;
}

/** The SDK's error names for a missing object (GET says NoSuchKey; HEAD has no body, so NotFound). */
const MISSING_NAMES = new Set(['NoSuchKey', 'NotFound']);
const isMissing = (e: unknown) => MISSING_NAMES.has((e as Error).name);

export async function createS3Storage(options: S3StorageOptions): Promise<BucketStorage> {
  const s3 = await import('@aws-sdk/client-s3');
  const region = options.region || process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || 'us-west-1';
  const endpoint =
    options.endpoint &&
    (/^https?:\/\//.test(options.endpoint) ? options.endpoint : `http://${options.endpoint}`);

  let credentials: S3Client['config']['credentials'] | S3StorageOptions['credentials'] = options.credentials;
  if (options.assumeRoleArn) {
    const { fromTemporaryCredentials } = await import('@aws-sdk/credential-providers');
    credentials = fromTemporaryCredentials({
      ...(options.credentials ? { masterCredentials: options.credentials } : {}),
      params: {
        RoleArn: options.assumeRoleArn,
        RoleSessionName: 'tintype',
        ...(options.assumeRoleExternalId ? { ExternalId: options.assumeRoleExternalId } : {}),
      },
      clientConfig: { region },
    });
  }

  const client = new s3.S3Client({
    region,
    ...(endpoint ? { endpoint, forcePathStyle: options.forcePathStyle ?? true } : {}),
    ...(credentials ? { credentials } : {}),
    // The SDK's default (WHEN_SUPPORTED) frames bodies as aws-chunked with CRC trailers, which
    // S3-compatible servers reject (Swift s3api: 501) or, worse, store verbatim (s3rver).
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  // DeleteObjects requires Content-MD5 on Swift s3api (and older S3-compatible servers); SDK
  // versions since early 2025 send only a CRC32 checksum, so add the MD5 ourselves.
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const request = args.request as { headers?: Record<string, string>; body?: unknown };
      const body = request.body;
      if (
        context.commandName === 'DeleteObjectsCommand' &&
        request.headers &&
        (typeof body === 'string' || body instanceof Uint8Array)
      ) {
        request.headers['content-md5'] = createHash('md5').update(body).digest('base64');
      }
      return next(args);
    },
    { step: 'build', name: 'tintypeContentMd5ForDeleteObjects' },
  );

  function forBucket(bucketName: string): Storage {
    const Bucket = checkBucket(bucketName);
    const info = (r: {
      ContentLength?: number;
      ContentType?: string;
      Metadata?: Record<string, string>;
      LastModified?: Date;
    }): EntryInfo => ({
      size: r.ContentLength ?? 0,
      contentType: r.ContentType ?? 'application/octet-stream',
      metadata: r.Metadata ?? {},
      ...(r.LastModified ? { lastModified: r.LastModified } : {}),
    });

    return {
      kind: 's3',

      async get(key: string): Promise<StoredEntry | null> {
        try {
          const r = await client.send(new s3.GetObjectCommand({ Bucket, Key: checkKey(key) }));
          // In Node the SDK's body is the HTTP response stream itself.
          const body = r.Body instanceof Readable ? r.Body : Readable.from([]);
          return { info: info(r), body };
        } catch (e) {
          if (isMissing(e)) return null;
          throw e;
        }
      },

      async stat(key: string): Promise<EntryInfo | null> {
        try {
          return info(await client.send(new s3.HeadObjectCommand({ Bucket, Key: checkKey(key) })));
        } catch (e) {
          if (isMissing(e)) return null;
          throw e;
        }
      },

      async put(key: string, body: Buffer, putInfo: PutInfo): Promise<void> {
        const { contentType, metadata } = checkPutInfo(putInfo);
        // One PutObject (not a multipart upload): S3 makes a single PUT visible all at once.
        await client.send(
          new s3.PutObjectCommand({
            Bucket,
            Key: checkKey(key),
            Body: body,
            ContentLength: body.length,
            ContentType: contentType,
            Metadata: metadata,
          }),
        );
      },

      async delete(key: string): Promise<void> {
        await client.send(new s3.DeleteObjectCommand({ Bucket, Key: checkKey(key) }));
      },

      async deletePrefix(prefix: string): Promise<number> {
        const Prefix = checkPrefix(prefix);
        let deleted = 0;
        let ContinuationToken: string | undefined;
        do {
          const page = await client.send(
            new s3.ListObjectsV2Command({ Bucket, Prefix, ContinuationToken, MaxKeys: options.listPageSize }),
          );
          const Objects = (page.Contents ?? []).flatMap((o) => (o.Key ? [{ Key: o.Key }] : []));
          if (Objects.length > 0) {
            // A listing page holds at most 1000 keys, which is also DeleteObjects' limit.
            const r = await client.send(
              new s3.DeleteObjectsCommand({ Bucket, Delete: { Objects, Quiet: true } }),
            );
            if (r.Errors?.length) {
              const first = r.Errors[0];
              throw new Error(
                `S3 DeleteObjects failed for ${r.Errors.length} keys: ${first?.Code} ${first?.Message}`,
              );
            }
            deleted += Objects.length;
          }
          ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
        } while (ContinuationToken);
        return deleted;
      },
    };
  }

  return {
    ...forBucket(options.bucket),
    withBucket: forBucket,
    async close() {
      client.destroy();
    },
  };
}
