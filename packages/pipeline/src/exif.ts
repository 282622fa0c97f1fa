/**
 * Reads the text tags out of an EXIF block, in the shape sharp's withExif() writes back. sharp
 * cannot copy an EXIF block onto pixels we built ourselves, so the text tags are all we carry over.
 */

export type ExifTags = Record<string, Record<string, string>>;

/** Text tags we carry, by IFD: 0 is the main image, 2 the Exif sub-IFD (libvips numbering). */
const TEXT_TAGS: Record<number, string> = {
  270: 'ImageDescription',
  271: 'Make',
  272: 'Model',
  305: 'Software',
  306: 'DateTime',
  315: 'Artist',
  33432: 'Copyright',
  36867: 'DateTimeOriginal',
  36868: 'DateTimeDigitized',
  42016: 'ImageUniqueID',
  42032: 'CameraOwnerName',
  42033: 'BodySerialNumber',
  42035: 'LensMake',
  42036: 'LensModel',
  42037: 'LensSerialNumber',
};
const EXIF_IFD_POINTER = 0x8769;
const ASCII = 2;

/** Copyright and author, what imgproxy's keep_copyright keeps of EXIF. */
export const COPYRIGHT_TAGS = ['Copyright', 'Artist'];

export function readExifText(exif: Buffer | undefined): ExifTags {
  const tags: ExifTags = {};
  if (!exif) return tags;
  // sharp hands the APP1 payload: "Exif\0\0" then a TIFF structure.
  const tiff = exif.subarray(0, 6).toString('latin1') === 'Exif\0\0' ? exif.subarray(6) : exif;
  if (tiff.length < 8) return tags;
  const le = tiff.toString('latin1', 0, 2) === 'II';
  const u16 = (o: number) => (le ? tiff.readUInt16LE(o) : tiff.readUInt16BE(o));
  const u32 = (o: number) => (le ? tiff.readUInt32LE(o) : tiff.readUInt32BE(o));

  const readIfd = (offset: number, ifd: number, depth: number): void => {
    if (offset + 2 > tiff.length || depth > 1) return;
    const count = u16(offset);
    for (let n = 0; n < count; n++) {
      const entry = offset + 2 + n * 12;
      if (entry + 12 > tiff.length) return;
      const tag = u16(entry);
      const type = u16(entry + 2);
      const length = u32(entry + 4);
      if (tag === EXIF_IFD_POINTER) readIfd(u32(entry + 8), 2, depth + 1);
      const name = TEXT_TAGS[tag];
      if (!name || type !== ASCII) continue;
      const start = length <= 4 ? entry + 8 : u32(entry + 8);
      if (start + length > tiff.length) continue;
      const text = tiff
        .toString('latin1', start, start + length)
        .replace(/\0+$/, '')
        .trim();
      if (text) setTag(tags, `IFD${ifd}`, name, text);
    }
  };
  readIfd(u32(4), 0, 0);
  return tags;
}

export function pickTags(tags: ExifTags, names: string[]): ExifTags {
  const picked: ExifTags = {};
  for (const [ifd, values] of Object.entries(tags)) {
    for (const [name, value] of Object.entries(values)) {
      if (names.includes(name)) setTag(picked, ifd, name, value);
    }
  }
  return picked;
}

function setTag(tags: ExifTags, ifd: string, name: string, value: string): void {
  tags[ifd] = { ...tags[ifd], [name]: value };
}
