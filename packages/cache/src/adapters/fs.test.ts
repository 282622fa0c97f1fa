import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { afterAll, describe, expect, it } from 'vitest';
import { storageConformance } from '../test-conformance.js';
import { createFsStorage } from './fs.js';

const roots: string[] = [];
async function tempRoot(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'tintype-fs-'));
  roots.push(root);
  return root;
}
afterAll(async () => {
  await Promise.all(roots.map((r) => rm(r, { recursive: true, force: true })));
});

storageConformance('fs', async () => createFsStorage({ root: await tempRoot() }));
storageConformance('fs with bucket', async () =>
  createFsStorage({ root: await tempRoot(), bucket: 'cache' }),
);

describe('fs storage', () => {
  it('puts the bucket as a path component below the root', async () => {
    const root = await tempRoot();
    await createFsStorage({ root, bucket: 'b1' }).put('x/y', Buffer.from('hi'), {
      contentType: 'text/plain',
      metadata: {},
    });
    expect(await readdir(join(root, 'b1', 'x'))).toEqual(['y']);
    expect(() => createFsStorage({ root, bucket: '../up' })).toThrow();
  });

  it('never writes outside the root', async () => {
    const parent = await tempRoot();
    const storage = createFsStorage({ root: join(parent, 'root') });
    await expect(
      storage.put('../escaped', Buffer.from('x'), { contentType: 'a/b', metadata: {} }),
    ).rejects.toThrow();
    await expect(
      storage.put('a/../../escaped', Buffer.from('x'), { contentType: 'a/b', metadata: {} }),
    ).rejects.toThrow();
    await expect(storage.deletePrefix('..')).rejects.toThrow();
    expect(await readdir(parent)).toEqual([]);
  });

  it('treats a torn or foreign file as a miss, never as an entry', async () => {
    const root = await tempRoot();
    const storage = createFsStorage({ root });
    const bytes = Buffer.alloc(5000, 7);
    await storage.put('t/whole', bytes, { contentType: 'image/png', metadata: { a: '1' } });
    const file = await readFile(join(root, 't/whole'));
    await writeFile(join(root, 't/cut'), file.subarray(0, file.length - 1));
    await writeFile(join(root, 't/longer'), Buffer.concat([file, Buffer.from('x')]));
    await writeFile(join(root, 't/empty'), Buffer.alloc(0));
    await writeFile(join(root, 't/foreign'), Buffer.from('\x89PNG not an entry'));
    for (const key of ['t/cut', 't/longer', 't/empty', 't/foreign']) {
      expect(await storage.get(key), key).toBeNull();
      expect(await storage.stat(key), key).toBeNull();
    }
    expect((await storage.get('t/whole'))?.info.size).toBe(5000);
  });

  it('leaves no temp files behind', async () => {
    const root = await tempRoot();
    const storage = createFsStorage({ root });
    await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        storage.put('k/v', Buffer.alloc(1000, i), { contentType: 'a/b', metadata: {} }),
      ),
    );
    expect(await readdir(join(root, 'k'))).toEqual(['v']);
  });

  it('reads and writes plain files for local:// sources', async () => {
    const root = await tempRoot();
    await writeFile(join(root, 'photo.jpg'), Buffer.from('jpeg bytes'));
    const storage = createFsStorage({ root, plainFiles: true });
    const entry = await storage.get('photo.jpg');
    expect(entry?.info).toMatchObject({ size: 10, contentType: 'application/octet-stream', metadata: {} });
    expect((await buffer(entry!.body)).toString()).toBe('jpeg bytes');
    await storage.put('dir/new.jpg', Buffer.from('raw'), { contentType: 'image/jpeg', metadata: {} });
    expect((await readFile(join(root, 'dir/new.jpg'))).toString()).toBe('raw');
    expect(await storage.get('dir')).toBeNull();
  });

  it('reaches another bucket through withBucket', async () => {
    const root = await tempRoot();
    const a = createFsStorage({ root, bucket: 'a' });
    await a.withBucket('b').put('k', Buffer.from('in b'), { contentType: 'a/b', metadata: {} });
    expect(await a.get('k')).toBeNull();
    expect((await readFile(join(root, 'b', 'k'))).subarray(-4).toString()).toBe('in b');
  });
});
