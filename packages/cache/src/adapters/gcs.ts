/**
 * Google Cloud Storage. The adapter uses only these object calls of the JSON API, all of which the
 * firebase-tools emulator the tests run against implements:
 *   - objects.get (metadata)           File#getMetadata            (get, stat)
 *   - objects.get alt=media&generation File#createReadStream, read whole (get)
 *   - objects.insert uploadType=multipart  File#save({resumable:false})  (put)
 *   - objects.delete                   File#delete                 (delete, deletePrefix)
 *   - objects.list prefix&pageToken    Bucket#getFiles             (deletePrefix)
 * It never creates or inspects buckets, patches metadata or copies objects (the emulator answers
 * 501 to those): the bucket must exist (on the emulator any bucket name does).
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import type { File } from '@google-cloud/storage';
import type { BucketStorage, EntryInfo, PutInfo, Storage, StoredEntry } from '../storage.js';
import { checkBucket, checkKey, checkPrefix, checkPutInfo, forEachLimited } from './validate.js';

export interface GcsStorageOptions {
  bucket: string;
  /** IMGPROXY_CACHE_GCS_KEY: a service account key, as JSON text. Without it: application default credentials. */
  key?: string;
  /**
   * IMGPROXY_CACHE_GCS_ENDPOINT. With a custom endpoint and no key the SDK sends no credentials
   * (emulators want none); with a key it still authenticates.
   */
  endpoint?: string;
  /** Objects per listing page in deletePrefix (default 1000); tests lower it to cross pages. */
  listPageSize?: number;
}

const DELETE_CONCURRENCY = 16;

const isMissing = (e: unknown) => (e as { code?: unknown }).code === 404;

export async function createGcsStorage(options: GcsStorageOptions): Promise<BucketStorage> {
  const { Storage: GcsClient } = await import('@google-cloud/storage');
  const credentials = options.key ? parseKey(options.key) : undefined;
  const client = new GcsClient({
    ...(options.endpoint
      ? { apiEndpoint: options.endpoint, useAuthWithCustomEndpoint: credentials !== undefined }
      : {}),
    ...(credentials ? { credentials, projectId: credentials.project_id } : {}),
  });

  function forBucket(bucketName: string): Storage {
    const bucket = client.bucket(checkBucket(bucketName));
    const file = (key: string) => bucket.file(checkKey(key));

    async function metadataOf(
      f: File,
    ): Promise<{ info: EntryInfo; generation: string; md5?: string } | null> {
      try {
        const [m] = await f.getMetadata();
        const metadata = Object.fromEntries(
          Object.entries(m.metadata ?? {}).flatMap(([k, v]) => (v == null ? [] : [[k, String(v)]])),
        );
        const info: EntryInfo = {
          size: Number(m.size ?? 0),
          contentType: m.contentType ?? 'application/octet-stream',
          metadata,
          ...(m.updated ? { lastModified: new Date(m.updated) } : {}),
        };
        return { info, generation: String(m.generation), ...(m.md5Hash ? { md5: m.md5Hash } : {}) };
      } catch (e) {
        if (isMissing(e)) return null;
        throw e;
      }
    }

    return {
      kind: 'gcs',

      async get(key: string): Promise<StoredEntry | null> {
        const found = await metadataOf(file(key));
        if (!found) return null;
        // Read to the end before answering, never hand out the SDK's stream: when that stream is
        // destroyed early (a client hanging up), @google-cloud/storage 7 destroys its shared HTTP
        // agent and so fails every other request in flight. Entries are bounded (results, and
        // sources under IMGPROXY_MAX_SRC_FILE_SIZE), and sharp needs whole inputs anyway.
        const stream = bucket.file(key, { generation: Number(found.generation) }).createReadStream();
        let served: unknown;
        stream.once('response', (res: { headers?: Record<string, unknown> }) => {
          served = res.headers?.['x-goog-generation'];
        });
        let bytes: Buffer;
        try {
          bytes = await buffer(stream);
        } catch (e) {
          if (isMissing(e)) return null;
          throw e;
        }
        // Metadata and media are two requests. Pinning the generation makes them describe one
        // version; the emulator ignores the pin, so the served generation and the MD5 are checked
        // too. A version replaced in between is a miss, never a mix of two versions.
        const sameVersion =
          (served === undefined || String(served) === found.generation) &&
          bytes.length === found.info.size &&
          (found.md5 === undefined || createHash('md5').update(bytes).digest('base64') === found.md5);
        return sameVersion ? { info: found.info, body: Readable.from([bytes]) } : null;
      },

      async stat(key: string): Promise<EntryInfo | null> {
        return (await metadataOf(file(key)))?.info ?? null;
      },

      async put(key: string, body: Buffer, putInfo: PutInfo): Promise<void> {
        const { contentType, metadata } = checkPutInfo(putInfo);
        // One multipart request (not a resumable session): the object appears whole or not at all.
        await file(key).save(body, { resumable: false, contentType, metadata: { contentType, metadata } });
      },

      async delete(key: string): Promise<void> {
        await file(key).delete({ ignoreNotFound: true });
      },

      async deletePrefix(prefix: string): Promise<number> {
        const p = checkPrefix(prefix);
        let deleted = 0;
        let pageToken: string | undefined;
        do {
          const [files, next] = await bucket.getFiles({
            prefix: p,
            autoPaginate: false,
            maxResults: options.listPageSize ?? 1000,
            ...(pageToken ? { pageToken } : {}),
          });
          // The JSON API has no multi-object delete (batch requests aside): one call per object.
          await forEachLimited(files, DELETE_CONCURRENCY, async (f) => {
            await f.delete({ ignoreNotFound: true });
          });
          deleted += files.length;
          pageToken = (next as { pageToken?: string } | null)?.pageToken;
        } while (pageToken);
        return deleted;
      },
    };
  }

  return { ...forBucket(options.bucket), withBucket: forBucket };
}

function parseKey(key: string): { project_id?: string } {
  try {
    return JSON.parse(key) as { project_id?: string };
  } catch {
    // Security: JSON.parse's message quotes the start of its input, i.e. of the private key.
    throw new TypeError('the GCS key (IMGPROXY_CACHE_GCS_KEY) is not valid JSON');
  }
}
