import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createStorage, type StorageConfig } from './create-storage.js';

describe('createStorage', () => {
  it('picks the adapter by kind', async () => {
    const root = await mkdtemp(join(tmpdir(), 'tintype-create-'));
    try {
      const storage = await createStorage({ kind: 'fs', root });
      expect(storage.kind).toBe('fs');
      await storage.put('x', Buffer.from('y'), { contentType: 'a/b', metadata: {} });
      expect((await storage.stat('x'))?.size).toBe(1);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
    await expect(createStorage({ kind: 'ftp' } as unknown as StorageConfig)).rejects.toThrow(
      /unknown storage kind/,
    );
  });

  it('imports no storage SDK at module level: each factory loads its own when called', async () => {
    // Why a source check: a static import would load every SDK (and their start-up cost) into a
    // server that caches on fs. ESM offers no portable way to list loaded modules from a test.
    const dir = join(import.meta.dirname, 'adapters');
    const files = [
      ...(await readdir(dir)).map((f) => join(dir, f)),
      ...(await readdir(import.meta.dirname)).map((f) => join(import.meta.dirname, f)),
    ].filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !/[/\\]test-[^/\\]*$/.test(f));
    const staticSdk = /^import\s+(?!type\b)[^;]*?from\s+'(@aws-sdk|@google-cloud|@azure|undici)/m;
    for (const file of files) expect(staticSdk.test(await readFile(file, 'utf8')), file).toBe(false);
    expect(files.length).toBeGreaterThan(8);
  });
});
