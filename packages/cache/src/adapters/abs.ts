import { Readable } from 'node:stream';
import type { ContainerClient } from '@azure/storage-blob';
import type { BucketStorage, EntryInfo, PutInfo, Storage, StoredEntry } from '../storage.js';
import { checkBucket, checkKey, checkPrefix, checkPutInfo, forEachLimited } from './validate.js';

export interface AbsStorageOptions {
  /** IMGPROXY_CACHE_BUCKET: the container; created on the first put if missing. */
  container: string;
  /** IMGPROXY_CACHE_ABS_NAME */
  accountName?: string;
  /** IMGPROXY_CACHE_ABS_KEY */
  accountKey?: string;
  /** IMGPROXY_CACHE_ABS_ENDPOINT; default `https://<account>.blob.core.windows.net`. */
  endpoint?: string;
  /** Instead of name + key + endpoint. */
  connectionString?: string;
  /** Blobs per listing page in deletePrefix (default 5000); tests lower it to cross pages. */
  listPageSize?: number;
}

const DELETE_CONCURRENCY = 16;

interface RestErrorLike {
  statusCode?: number;
  code?: string;
  details?: { errorCode?: string };
}
const statusOf = (e: unknown) => (e as RestErrorLike).statusCode;
const errorCodeOf = (e: unknown) => (e as RestErrorLike).details?.errorCode ?? (e as RestErrorLike).code;

export async function createAbsStorage(options: AbsStorageOptions): Promise<BucketStorage> {
  const azure = await import('@azure/storage-blob');
  let service: InstanceType<typeof azure.BlobServiceClient>;
  if (options.connectionString) {
    service = azure.BlobServiceClient.fromConnectionString(options.connectionString);
  } else if (options.accountName && options.accountKey) {
    const endpoint = options.endpoint || `https://${options.accountName}.blob.core.windows.net`;
    service = new azure.BlobServiceClient(
      endpoint,
      new azure.StorageSharedKeyCredential(options.accountName, options.accountKey),
    );
  } else {
    // TODO: imgproxy falls back to DefaultAzureCredential (managed identity, workload identity,
    // az login) when there is no key; that needs @azure/identity, which is not a dependency yet.
    throw new TypeError('Azure Blob storage needs an account name and key (IMGPROXY_CACHE_ABS_NAME/_KEY)');
  }

  function forBucket(containerName: string): Storage {
    const container: ContainerClient = service.getContainerClient(checkBucket(containerName));
    const blob = (key: string) => container.getBlockBlobClient(checkKey(key));

    return {
      kind: 'abs',

      async get(key: string): Promise<StoredEntry | null> {
        try {
          const r = await blob(key).download();
          const info: EntryInfo = {
            size: r.contentLength ?? 0,
            contentType: r.contentType ?? 'application/octet-stream',
            metadata: r.metadata ?? {},
            ...(r.lastModified ? { lastModified: r.lastModified } : {}),
          };
          // The SDK resumes a broken download with an ETag condition, so the body stays one version.
          const body = r.readableStreamBody;
          return { info, body: body instanceof Readable ? body : Readable.from([]) };
        } catch (e) {
          if (statusOf(e) === 404) return null;
          throw e;
        }
      },

      async stat(key: string): Promise<EntryInfo | null> {
        try {
          const r = await blob(key).getProperties();
          return {
            size: r.contentLength ?? 0,
            contentType: r.contentType ?? 'application/octet-stream',
            metadata: r.metadata ?? {},
            ...(r.lastModified ? { lastModified: r.lastModified } : {}),
          };
        } catch (e) {
          if (statusOf(e) === 404) return null;
          throw e;
        }
      },

      async put(key: string, body: Buffer, putInfo: PutInfo): Promise<void> {
        const { contentType, metadata } = checkPutInfo(putInfo);
        // uploadData sends one Put Blob up to 256 MiB; above that, staged blocks that only become
        // visible at the final commit. Either way readers never see part of a blob.
        const upload = () =>
          blob(key).uploadData(body, { blobHTTPHeaders: { blobContentType: contentType }, metadata });
        try {
          await upload();
        } catch (e) {
          if (errorCodeOf(e) !== 'ContainerNotFound') throw e;
          // First write to this container: create it (another writer may have raced us to it).
          await container.createIfNotExists();
          await upload();
        }
      },

      async delete(key: string): Promise<void> {
        try {
          await blob(key).deleteIfExists();
        } catch (e) {
          if (statusOf(e) !== 404) throw e;
        }
      },

      async deletePrefix(prefix: string): Promise<number> {
        const p = checkPrefix(prefix);
        let deleted = 0;
        try {
          const pages = container
            .listBlobsFlat({ prefix: p })
            .byPage({ maxPageSize: options.listPageSize ?? 5000 });
          for await (const page of pages) {
            const names = page.segment.blobItems.map((b) => b.name);
            // Per-blob deletes: the batch API is not in azurite's feature set we rely on.
            await forEachLimited(names, DELETE_CONCURRENCY, async (name) => {
              await container.getBlockBlobClient(name).deleteIfExists();
            });
            deleted += names.length;
          }
        } catch (e) {
          if (errorCodeOf(e) === 'ContainerNotFound') return deleted;
          throw e;
        }
        return deleted;
      },
    };
  }

  return { ...forBucket(options.container), withBucket: forBucket };
}
