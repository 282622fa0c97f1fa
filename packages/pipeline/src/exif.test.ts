import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { pickTags, readExifText } from './exif.js';

describe('readExifText', () => {
  it('reads the text tags sharp writes, from IFD0 and the Exif IFD', async () => {
    const jpeg = await sharp({ create: { width: 2, height: 2, channels: 3, background: '#000' } })
      .withExif({ IFD0: { Copyright: 'C', Artist: 'Someone', Model: 'M1' }, IFD2: { LensModel: 'L 50mm' } })
      .jpeg()
      .toBuffer();
    const tags = readExifText((await sharp(jpeg).metadata()).exif);
    expect(tags.IFD0).toMatchObject({ Copyright: 'C', Artist: 'Someone', Model: 'M1' });
    expect(tags.IFD2).toMatchObject({ LensModel: 'L 50mm' });
    expect(pickTags(tags, ['Copyright'])).toEqual({ IFD0: { Copyright: 'C' } });
  });

  it('survives missing and broken blocks', () => {
    expect(readExifText(undefined)).toEqual({});
    expect(readExifText(Buffer.from('Exif\0\0II*\0'))).toEqual({});
    expect(readExifText(Buffer.from('Exif\0\0MM\0*\0\0\0\x08\xff\xff'))).toEqual({});
  });
});
