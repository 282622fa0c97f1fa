/**
 * The one conformance suite every Storage backend passes (fs, s3, gcs, abs, swift, and any new
 * one). It lives beside the adapters but outside the build: only tests import it.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { buffer } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PutInfo, Storage, StoredEntry } from './storage.js';

const MiB = 1024 * 1024;

/** Adapters under test are made with this `listPageSize`, so that deletePrefix crosses pages cheaply. */
export const LIST_PAGE_SIZE = 100;

async function read(entry: StoredEntry | null): Promise<{ bytes: Buffer; entry: StoredEntry } | null> {
  return entry && { bytes: await buffer(entry.body), entry };
}

/** Registers the suite; `makeStorage` runs once, in beforeAll, so skipped suites never connect. */
export function storageConformance(name: string, makeStorage: () => Storage | Promise<Storage>): void {
  describe(`${name}: storage conformance`, () => {
    let storage: Storage;
    // Every run writes under its own prefix, so runs against a shared server never see each other.
    const run = `conformance-${randomUUID()}`;
    const k = (key: string) => `${run}/${key}`;
    const info = (metadata: Record<string, string> = {}): PutInfo => ({
      contentType: 'image/webp',
      metadata,
    });

    beforeAll(async () => {
      storage = await makeStorage();
    });
    afterAll(async () => {
      if (!storage) return;
      await storage.deletePrefix(run);
      await storage.close?.();
    });

    it('answers null for a missing key', async () => {
      expect(await storage.get(k('missing/key.webp'))).toBeNull();
      expect(await storage.stat(k('missing/key.webp'))).toBeNull();
    });

    it('round-trips bytes, content type and metadata', async () => {
      const bytes = randomBytes(100_000);
      const metadata = { etag: 'abc123', created: '1700000000000', v1: 'with spaces & "quotes"' };
      await storage.put(k('rt/one.webp'), bytes, { contentType: 'image/avif', metadata });
      const got = await read(await storage.get(k('rt/one.webp')));
      expect(got?.bytes.equals(bytes)).toBe(true);
      expect(got?.entry.info).toMatchObject({ size: bytes.length, contentType: 'image/avif', metadata });
      const st = await storage.stat(k('rt/one.webp'));
      expect(st).toMatchObject({ size: bytes.length, contentType: 'image/avif', metadata });
      expect(st?.lastModified).toBeInstanceOf(Date);
    });

    it('round-trips an empty body', async () => {
      await storage.put(k('rt/empty'), Buffer.alloc(0), info({ empty: '1' }));
      const got = await read(await storage.get(k('rt/empty')));
      expect(got?.bytes.length).toBe(0);
      expect(got?.entry.info).toMatchObject({ size: 0, metadata: { empty: '1' } });
    });

    it('keeps binary bytes intact', async () => {
      const every = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
      const bytes = Buffer.concat([every, Buffer.from('\r\n0\r\n\r\n'), randomBytes(4096), every.reverse()]);
      await storage.put(k('bin/all-bytes'), bytes, { contentType: 'application/octet-stream', metadata: {} });
      expect((await read(await storage.get(k('bin/all-bytes'))))?.bytes.equals(bytes)).toBe(true);
    });

    it('overwrites bytes and metadata together', async () => {
      await storage.put(k('ow/x'), Buffer.from('first'), info({ gen: '1', onlyfirst: 'yes' }));
      await storage.put(k('ow/x'), Buffer.from('second!'), {
        contentType: 'image/png',
        metadata: { gen: '2' },
      });
      const got = await read(await storage.get(k('ow/x')));
      expect(got?.bytes.toString()).toBe('second!');
      expect(got?.entry.info.contentType).toBe('image/png');
      expect(got?.entry.info.metadata).toEqual({ gen: '2' });
      expect(got?.entry.info.size).toBe(7);
    });

    it('deletes, and deleting a missing key is fine', async () => {
      await storage.put(k('del/x'), Buffer.from('x'), info());
      await storage.delete(k('del/x'));
      expect(await storage.get(k('del/x'))).toBeNull();
      await storage.delete(k('del/x'));
      await storage.delete(k('del/never/was'));
    });

    it('deletes exactly one prefix, not a sibling sharing its first characters', async () => {
      const inside = ['pfx/a/b/1', 'pfx/a/b/2', 'pfx/a/b/c/3'];
      const outside = ['pfx/a/bc/4', 'pfx/a/b2', 'pfx/a/c/5'];
      await Promise.all([...inside, ...outside].map((key) => storage.put(k(key), Buffer.from(key), info())));
      expect(await storage.deletePrefix(k('pfx/a/b'))).toBe(3);
      for (const key of inside) expect(await storage.stat(k(key))).toBeNull();
      for (const key of outside) expect(await storage.stat(k(key))).not.toBeNull();
      expect(await storage.deletePrefix(k('pfx/a/c/'))).toBe(1);
      expect(await storage.stat(k('pfx/a/c/5'))).toBeNull();
      expect(await storage.deletePrefix(k('pfx/none'))).toBe(0);
    });

    it(`deletes a prefix spanning several listing pages (adapters list ${LIST_PAGE_SIZE} per page here)`, async () => {
      const keys = Array.from({ length: LIST_PAGE_SIZE * 2 + 17 }, (_, i) =>
        k(`many/${String(i).padStart(4, '0')}`),
      );
      for (let i = 0; i < keys.length; i += 50) {
        await Promise.all(keys.slice(i, i + 50).map((key) => storage.put(key, Buffer.from(key), info())));
      }
      await storage.put(k('manyx/sibling'), Buffer.from('stays'), info());
      expect(await storage.deletePrefix(k('many'))).toBe(keys.length);
      for (const key of [keys[0], keys[LIST_PAGE_SIZE], keys.at(-1)])
        expect(await storage.stat(key as string)).toBeNull();
      expect(await storage.stat(k('manyx/sibling'))).not.toBeNull();
    });

    it('stores a large object (12 MiB)', async () => {
      const bytes = randomBytes(12 * MiB);
      await storage.put(k('large/12mib'), bytes, info({ big: '1' }));
      const got = await read(await storage.get(k('large/12mib')));
      expect(got?.entry.info.size).toBe(bytes.length);
      expect(got?.bytes.equals(bytes)).toBe(true);
    });

    it('keeps one whole value under concurrent writers of one key, and readers never see a torn one', async () => {
      const key = k('race/one');
      const writers = Array.from({ length: 6 }, (_, i) => i + 1);
      // Writer i writes 1 MiB of byte i and says so in its metadata: any mix of two writers shows.
      const check = (got: { bytes: Buffer; entry: StoredEntry } | null) => {
        if (!got) return;
        const writer = Number(got.entry.info.metadata.writer);
        expect(writers).toContain(writer);
        expect(got.bytes.length).toBe(MiB);
        expect(got.bytes.every((b) => b === writer)).toBe(true);
      };
      let writing = true;
      const reader = (async () => {
        let reads = 0;
        while (writing || reads === 0) {
          check(await read(await storage.get(key)));
          reads++;
          // Yield to I/O between reads, as a server does between requests: a read that completes
          // without the thread pool (fs) would otherwise starve the writers' callbacks forever.
          await new Promise((resolve) => setImmediate(resolve));
        }
      })();
      await Promise.all(
        writers.map((w) => storage.put(key, Buffer.alloc(MiB, w), info({ writer: String(w) }))),
      );
      writing = false;
      await reader;
      const final = await read(await storage.get(key));
      expect(final).not.toBeNull();
      check(final);
    });

    it('lets a reader abandon a body without disturbing requests in flight', async () => {
      // What a client hanging up mid-response does to the server's read of an entry.
      await storage.put(k('abandon/big'), randomBytes(4 * MiB), info());
      const puts = Array.from({ length: 6 }, (_, i) =>
        storage.put(k(`abandon/p${i}`), Buffer.alloc(MiB, i), info()),
      );
      for (let i = 0; i < 6; i++) {
        const entry = await storage.get(k('abandon/big'));
        await new Promise((resolve) => entry?.body.once('readable', resolve));
        entry?.body.destroy();
      }
      await Promise.all(puts);
      for (let i = 0; i < 6; i++) expect((await storage.stat(k(`abandon/p${i}`)))?.size).toBe(MiB);
    });

    it('handles keys with many segments and characters that need escaping', async () => {
      const deep = k(`${Array.from({ length: 24 }, (_, i) => `s${i}`).join('/')}/leaf.webp`);
      const odd = k('odd/sp ace/plus+percent%25/ümlaut?q=1&x#frag.webp');
      for (const key of [deep, odd]) {
        await storage.put(key, Buffer.from(key), info());
        expect((await read(await storage.get(key)))?.bytes.toString()).toBe(key);
      }
      expect(await storage.deletePrefix(k('odd/sp ace'))).toBe(1);
      expect(await storage.get(odd)).toBeNull();
    });

    it('refuses keys that are not plain relative paths', async () => {
      for (const bad of ['', '/abs', '../up', `${run}/../x`, `${run}//x`, `${run}/./x`, `${run}/x\\y`]) {
        await expect(storage.put(bad, Buffer.from('x'), info()), bad).rejects.toThrow();
        await expect(storage.get(bad), bad).rejects.toThrow();
      }
      await expect(storage.deletePrefix('')).rejects.toThrow();
      await expect(storage.deletePrefix('/')).rejects.toThrow();
    });

    it('refuses metadata outside the portable subset', async () => {
      const bad: Record<string, string>[] = [
        { 'with-dash': 'x' },
        { Upper: 'x' },
        { ok: 'non-ascii é' },
        { ok: 'line\nbreak' },
      ];
      for (const metadata of bad) {
        await expect(storage.put(k('meta/bad'), Buffer.from('x'), info(metadata))).rejects.toThrow();
      }
      expect(await storage.stat(k('meta/bad'))).toBeNull();
    });
  });
}
