import { describe, expect, it } from 'vitest';
import { decodeEntryMeta, encodeEntryMeta } from './entry.js';

describe('entry metadata', () => {
  it('round-trips through Storage metadata', () => {
    const meta = { contentType: 'image/webp', etag: '"abc-123"', createdAt: new Date(1_700_000_000_123) };
    const put = encodeEntryMeta(meta);
    for (const key of Object.keys(put.metadata)) expect(key).toMatch(/^[a-z0-9]+$/);
    expect(decodeEntryMeta({ size: 10, ...put })).toEqual(meta);
  });

  it('reads anything else as not an entry', () => {
    const put = encodeEntryMeta({ contentType: 'image/png', etag: 'e', createdAt: new Date(5) });
    expect(decodeEntryMeta({ size: 1, contentType: 'image/png', metadata: {} })).toBeNull();
    expect(decodeEntryMeta({ size: 1, ...put, metadata: { ...put.metadata, tintype: '0' } })).toBeNull();
    expect(decodeEntryMeta({ size: 1, ...put, metadata: { ...put.metadata, created: 'soon' } })).toBeNull();
    expect(decodeEntryMeta({ size: 1, ...put, metadata: { ...put.metadata, etag: '' } })).toBeNull();
  });
});
