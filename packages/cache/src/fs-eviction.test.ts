import { mkdir, mkdtemp, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { afterAll, describe, expect, it } from 'vitest';
import { createFsStorage } from './adapters/fs.js';
import { createFsEviction } from './fs-eviction.js';

const roots: string[] = [];
async function tempRoot(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'tintype-evict-'));
  roots.push(root);
  return root;
}
afterAll(async () => {
  await Promise.all(roots.map((r) => rm(r, { recursive: true, force: true })));
});

const info = { contentType: 'image/png', metadata: {} };
const HOUR = 3600_000;

/** Ten 10 KB entries, used one minute apart: `s/e0` least recently, `s/e9` most. */
async function filled(root: string) {
  const storage = createFsStorage({ root });
  const t0 = Date.now() - 10 * 60_000;
  for (let i = 0; i < 10; i++) {
    await storage.put(`s${i % 3}/e${i}`, Buffer.alloc(10_000, i), info);
    const when = new Date(t0 + i * 60_000);
    await utimes(join(root, `s${i % 3}`, `e${i}`), when, when);
  }
  return storage;
}

const present = async (root: string) =>
  (await readdir(root, { recursive: true, withFileTypes: true }))
    .filter((d) => d.isFile())
    .map((d) => d.name)
    .sort();

describe('fs eviction', () => {
  it('evicts least recently used entries down to 90% of the bound', async () => {
    const root = await tempRoot();
    await filled(root);
    const evictions: number[] = [];
    const eviction = createFsEviction({ base: root, maxBytes: 60_000, onEvict: (n) => evictions.push(n) });
    try {
      const r = await eviction.sweep();
      // Ten entries of 10 KB plus a small header each: down to at most 54 000 bytes, oldest first.
      expect(r.evicted).toBe(5);
      expect(await present(root)).toEqual(['e5', 'e6', 'e7', 'e8', 'e9']);
      expect(evictions.at(-1)).toBe(5);
      expect((await eviction.sweep()).evicted).toBe(0);
    } finally {
      eviction.stop();
    }
  });

  it('counts a read as a use: the adapter sets atime on every get', async () => {
    const root = await tempRoot();
    await filled(root);
    const storage = createFsStorage({ root, maxBytes: 1 << 30 });
    try {
      const before = (await stat(join(root, 's0', 'e0'))).atimeMs;
      const entry = await storage.get('s0/e0');
      await buffer(entry!.body);
      expect((await stat(join(root, 's0', 'e0'))).atimeMs).toBeGreaterThan(before);
      const eviction = createFsEviction({ base: root, maxBytes: 60_000 });
      await eviction.sweep();
      eviction.stop();
      // e0 was just read: e1..e5 went instead.
      expect(await present(root)).toEqual(['e0', 'e6', 'e7', 'e8', 'e9']);
    } finally {
      await storage.close?.();
    }
  });

  it('never breaks an entry being read', async () => {
    const root = await tempRoot();
    await filled(root);
    const storage = createFsStorage({ root });
    const entry = await storage.get('s0/e0');
    // The reader has its handle; make the entry the oldest again and sweep it away.
    const old = new Date(Date.now() - HOUR);
    await utimes(join(root, 's0', 'e0'), old, old);
    const eviction = createFsEviction({ base: root, maxBytes: 60_000 });
    await eviction.sweep();
    eviction.stop();
    expect(await present(root)).not.toContain('e0');
    expect((await buffer(entry!.body)).equals(Buffer.alloc(10_000, 0))).toBe(true);
    expect(await storage.get('s0/e0')).toBeNull();
  });

  it('sweeps temp files and trash left by a crash, and leaves fresh ones', async () => {
    const root = await tempRoot();
    await mkdir(join(root, 'a'), { recursive: true });
    await writeFile(join(root, 'a', '.tintype-tmp-old'), 'x');
    await writeFile(join(root, 'a', '.tintype-tmp-new'), 'x');
    await mkdir(join(root, '.tintype-trash-old', 'h'), { recursive: true });
    await writeFile(join(root, '.tintype-trash-old', 'h', 'v'), 'x');
    const old = new Date(Date.now() - 2 * HOUR);
    await utimes(join(root, 'a', '.tintype-tmp-old'), old, old);
    await utimes(join(root, '.tintype-trash-old'), old, old);
    const eviction = createFsEviction({ base: root, maxBytes: 1 << 30 });
    const r = await eviction.sweep();
    eviction.stop();
    expect(r.stale).toBe(2);
    expect((await readdir(root)).sort()).toEqual(['a']);
    expect(await readdir(join(root, 'a'))).toEqual(['.tintype-tmp-new']);
  });

  it('runs in the background once writes pass the bound', async () => {
    const root = await tempRoot();
    let evicted = 0;
    const storage = createFsStorage({
      root,
      maxBytes: 50_000,
      onEvict: (n) => {
        evicted += n;
      },
    });
    try {
      for (let i = 0; i < 12; i++) await storage.put(`k/${i}`, Buffer.alloc(10_000, i), info);
      // No request waits for it: poll until the background sweeps have brought it under the bound.
      let files = await present(root);
      while (evicted === 0 || files.length > 5) {
        await new Promise((r) => setTimeout(r, 10));
        files = await present(root);
      }
      expect(evicted + files.length).toBe(12);
      // The most recent writes are the ones kept.
      expect(files).toContain('11');
    } finally {
      await storage.close?.();
    }
  });
});
