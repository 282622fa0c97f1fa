import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { readExifText } from '../exif.js';
import { colourAt, run } from '../test-images.js';

const XMP = `<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:rights>Tintype XMP rights</dc:rights></rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>`;

/** A red JPEG in the Display P3 profile, with EXIF and XMP. */
const source = await sharp({
  create: { width: 40, height: 20, channels: 3, background: { r: 255, g: 0, b: 0 } },
})
  .withIccProfile('p3')
  .withExif({ IFD0: { Copyright: 'Tintype test', Artist: 'A. Painter', Make: 'Camera Co' } })
  .withXmp(XMP)
  .jpeg({ quality: 95 })
  .toBuffer();

describe('colour space and metadata', () => {
  it('builds a source whose pixels are stored in P3', async () => {
    const raw = await sharp(source, { ignoreIcc: true }).raw().toBuffer();
    expect(raw[0]).toBeLessThan(245);
    expect(raw[1]).toBeGreaterThan(30);
  });

  it('converts to sRGB and drops the profile by default', async () => {
    const result = await run(source, {}, 'jpeg');
    const meta = await sharp(result.data).metadata();
    expect(meta.icc).toBeUndefined();
    const [r, g, b] = await colourAt(result.data, 20, 10);
    expect(r).toBeGreaterThan(245);
    expect(g! + b!).toBeLessThan(20);
  });

  it('keeps the source profile with strip_color_profile off', async () => {
    const result = await run(source, { stripColorProfile: false }, 'jpeg');
    const meta = await sharp(result.data).metadata();
    expect(meta.icc).toEqual((await sharp(source).metadata()).icc);
    // Stored in P3 again, so it displays the same red.
    const raw = await sharp(result.data, { ignoreIcc: true }).raw().toBuffer();
    expect(raw[0]).toBeLessThan(245);
    expect(raw[1]).toBeGreaterThan(30);
  });

  it('does not keep a profile in a format without profiles', async () => {
    const result = await run(source, { stripColorProfile: false }, 'gif');
    expect((await sharp(result.data).metadata()).icc).toBeUndefined();
  });

  it('keeps only copyright and author by default (strip_metadata + keep_copyright)', async () => {
    const result = await run(source, {}, 'jpeg');
    const meta = await sharp(result.data).metadata();
    expect(readExifText(meta.exif)).toEqual({ IFD0: { Copyright: 'Tintype test', Artist: 'A. Painter' } });
    expect(meta.exif?.toString('latin1')).not.toContain('Camera Co');
    expect(meta.xmp).toBeUndefined();
  });

  it('drops all metadata without keep_copyright', async () => {
    const result = await run(source, { keepCopyright: false }, 'jpeg');
    const meta = await sharp(result.data).metadata();
    expect(readExifText(meta.exif)).toEqual({});
    expect(meta.xmp).toBeUndefined();
  });

  it('keeps EXIF text tags and XMP with strip_metadata off', async () => {
    const result = await run(source, { stripMetadata: false }, 'webp');
    const meta = await sharp(result.data).metadata();
    expect(readExifText(meta.exif).IFD0).toMatchObject({ Copyright: 'Tintype test', Make: 'Camera Co' });
    expect(meta.xmp?.toString('utf8')).toContain('Tintype XMP rights');
  });
});
