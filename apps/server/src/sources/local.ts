import { open, realpath } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import { sourceForbidden, sourceNotFound, sourceTooBig } from './errors.js';
import type { SourceImage, SourceRequest } from './types.js';

/**
 * `local://` sources: files under IMGPROXY_LOCAL_FILESYSTEM_ROOT. The URL path is percent-decoded
 * once, resolved against the root, and the real path (symlinks followed) must still be inside the
 * root. Why: `..`, `%2e%2e` and symlinks are the classic ways out of a served directory.
 */
export function createLocalSource(root: string) {
  const rootReal = realpath(resolve(root));

  async function fetch(url: string, req: SourceRequest): Promise<SourceImage> {
    const base = await rootReal;
    let rel: string;
    try {
      rel = decodeURIComponent(new URL(url).pathname);
    } catch {
      throw sourceNotFound('Invalid local source path');
    }
    // A `..` left after decoding was percent-encoded (`..%2f`), since the URL parser already
    // resolved the plain ones: it can only be there to step around IMGPROXY_ALLOWED_SOURCES.
    if (rel.split(/[\\/]/).includes('..')) throw sourceForbidden('Source path is outside the local root');
    const wanted = resolve(base, `.${sep}${rel}`);
    if (!inside(base, wanted)) throw sourceForbidden('Source path is outside the local root');
    let real: string;
    try {
      real = await realpath(wanted);
    } catch {
      throw sourceNotFound();
    }
    if (!inside(base, real)) throw sourceForbidden('Source path is outside the local root');
    const file = await open(real, 'r').catch(() => {
      throw sourceNotFound();
    });
    try {
      const stat = await file.stat();
      if (!stat.isFile()) throw sourceNotFound();
      if (req.maxBytes > 0 && stat.size > req.maxBytes) throw sourceTooBig();
      return { data: await file.readFile(), lastModified: stat.mtime.toUTCString() };
    } finally {
      await file.close();
    }
  }

  return { fetch };
}

const inside = (root: string, path: string) => path === root || path.startsWith(root + sep);
