import type { Readable } from 'node:stream';
import { sourceTooBig } from './errors.js';

/**
 * Reads a source body into one buffer, refusing it as soon as it passes `maxBytes` (0 = no limit).
 * Why count while reading: a declared length can lie or be absent; the limit holds on the bytes
 * that actually arrive, and a refused body is destroyed rather than drained.
 */
export async function readLimited(body: Readable, maxBytes: number, declaredSize?: number): Promise<Buffer> {
  if (maxBytes > 0 && declaredSize !== undefined && declaredSize > maxBytes) {
    body.destroy();
    throw sourceTooBig();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (maxBytes > 0 && size > maxBytes) {
      body.destroy();
      throw sourceTooBig();
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks, size);
}
