import { mkdtemp, readdir, readFile, rename, rm, truncate, writeFile } from 'node:fs/promises';
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

describe('fs storage: entry files kept open between reads', () => {
  const info = { contentType: 'image/webp', metadata: { v: '1' } };
  const text = async (s: ReturnType<typeof createFsStorage>, key: string) => {
    const entry = await s.get(key);
    return entry && (await buffer(entry.body)).toString();
  };

  it('sees what another process wrote, deleted or purged after it read an entry', async () => {
    const root = await tempRoot();
    const [reader, writer] = [createFsStorage({ root }), createFsStorage({ root })];
    await writer.put('s/a', Buffer.from('first'), info);
    await writer.put('s/b', Buffer.from('stays'), info);
    await writer.put('t/c', Buffer.from('purged'), info);
    expect([await text(reader, 's/a'), await text(reader, 's/b'), await text(reader, 't/c')]).toEqual([
      'first',
      'stays',
      'purged',
    ]);
    await writer.put('s/a', Buffer.from('second!'), { ...info, metadata: { v: '2' } });
    const replaced = await reader.get('s/a');
    expect(replaced?.bytes?.toString()).toBe('second!');
    expect(replaced?.info.metadata).toEqual({ v: '2' });
    await writer.delete('s/a');
    expect(await reader.get('s/a')).toBeNull();
    expect(await writer.deletePrefix('t')).toBe(1);
    expect(await reader.get('t/c')).toBeNull();
    expect(await text(reader, 's/b')).toBe('stays');
    await Promise.all([reader.close?.(), writer.close?.()]);
  });

  it('never serves a file that is no longer at its path, even if it still exists', async () => {
    const root = await tempRoot();
    const storage = createFsStorage({ root });
    await storage.put('p/x', Buffer.from('moved'), info);
    await storage.put('q/y', Buffer.alloc(100, 1), info);
    expect(await text(storage, 'p/x')).toBe('moved');
    expect((await storage.get('q/y'))?.bytes?.length).toBe(100);
    // A purge that stopped half way: the directory moved aside, its files not yet unlinked.
    await rename(join(root, 'p'), join(root, 'aside'));
    expect(await storage.get('p/x')).toBeNull();
    // A file cut in place, by something else than Tintype.
    await truncate(join(root, 'q/y'), 50);
    expect(await storage.get('q/y')).toBeNull();
    await storage.close?.();
  });

  it('keeps a bounded number of files open, and closes them on close()', async () => {
    const root = await tempRoot();
    const storage = createFsStorage({ root });
    const keys = Array.from({ length: 300 }, (_, i) => `n${i % 7}/e${i}`);
    await Promise.all(keys.map((key) => storage.put(key, Buffer.from(key), info)));
    const before = (await readdir('/proc/self/fd')).length;
    for (const key of [...keys, ...keys]) expect(await text(storage, key)).toBe(key);
    const open = (await readdir('/proc/self/fd')).length - before;
    expect(open).toBeGreaterThan(200);
    expect(open).toBeLessThanOrEqual(256);
    await storage.close?.();
    expect((await readdir('/proc/self/fd')).length).toBeLessThanOrEqual(before);
  });
});
