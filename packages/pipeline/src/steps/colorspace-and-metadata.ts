import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Step } from '../context.js';
import { COPYRIGHT_TAGS, pickTags, readExifText } from '../exif.js';
import { FORMATS } from '../formats.js';

/**
 * Decides what leaves with the pixels. Pixels are sRGB from decoding on; strip_color_profile
 * (default) leaves them so, without a profile, as imgproxy's transform-to-standard does. Keeping
 * the profile converts back into the source's RGB profile and embeds it. strip_metadata drops
 * EXIF and XMP except, with keep_copyright, EXIF Copyright and Artist.
 */
export const colorspaceAndMetadata: Step = (ctx) => {
  const { options, sourceMeta } = ctx;
  const format = FORMATS[ctx.format];

  if (!options.stripColorProfile && format.supportsColourProfile && isRgbProfile(sourceMeta.icc)) {
    ctx.output.iccProfile = profilePath(sourceMeta.icc!);
  }

  const exif = readExifText(sourceMeta.exif);
  if (!options.stripMetadata) {
    ctx.output.exif = exif;
    ctx.output.xmp = sourceMeta.xmp ? sourceMeta.xmp.toString('utf8') : null;
  } else if (options.keepCopyright) {
    ctx.output.exif = pickTags(exif, COPYRIGHT_TAGS);
  }
};

/** A CMYK or grey profile cannot describe the RGB pixels we write. */
function isRgbProfile(icc: Buffer | undefined): boolean {
  return !!icc && icc.length >= 20 && icc.toString('latin1', 16, 20) === 'RGB ';
}

const written = new Map<string, string>();

/** sharp embeds profiles only from a file: write each distinct profile once, named by its hash. */
function profilePath(icc: Buffer): string {
  const hash = createHash('sha256').update(icc).digest('hex');
  let path = written.get(hash);
  if (!path) {
    const dir = join(tmpdir(), 'tintype-icc');
    mkdirSync(dir, { recursive: true });
    path = join(dir, `${hash}.icc`);
    writeFileSync(path, icc);
    written.set(hash, path);
  }
  return path;
}
