import { isTintypeError } from '@tintype/url';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { PIPELINE } from './pipeline.js';
import { gridImage, orientedGrid, run } from './test-images.js';

async function expect422(input: Buffer, format: Parameters<typeof run>[2] = 'png'): Promise<string> {
  try {
    await run(input, { width: 50 }, format);
  } catch (error) {
    expect(isTintypeError(error)).toBe(true);
    if (!isTintypeError(error)) throw error;
    expect(error.status).toBe(422);
    expect(error.code).toBe('UNPROCESSABLE_IMAGE');
    return error.publicMessage;
  }
  throw new Error('expected a 422');
}

describe('broken input', () => {
  const cut = (b: Buffer, fraction: number) => b.subarray(0, Math.floor(b.length * fraction));
  const noise = async (format: 'jpeg' | 'png' | 'webp' | 'gif') => {
    // Small: quantizing noise for GIF is slow.
    const s = sharp({
      create: {
        width: 100,
        height: 100,
        channels: 3,
        background: '#000',
        noise: { type: 'gaussian', mean: 128, sigma: 50 },
      },
    });
    return format === 'jpeg'
      ? s.jpeg().toBuffer()
      : format === 'png'
        ? s.png().toBuffer()
        : format === 'webp'
          ? s.webp().toBuffer()
          : s.gif().toBuffer();
  };
  const random = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256));

  const cases: [string, () => Promise<Buffer> | Buffer][] = [
    ['zero bytes', () => Buffer.alloc(0)],
    ['random bytes', () => random],
    ['a text file', () => Buffer.from('This is not an image, just some text.\n')],
    ['HTML', () => Buffer.from('<!doctype html><html><body>404</body></html>')],
    ['a PDF header', () => Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n')],
    ['JPEG cut at 90%', async () => cut(await noise('jpeg'), 0.9)],
    ['JPEG cut at 10%', async () => cut(await noise('jpeg'), 0.1)],
    ['JPEG header only', async () => cut(await noise('jpeg'), 0.01)],
    ['PNG cut in half', async () => cut(await noise('png'), 0.5)],
    ['WebP cut in half', async () => cut(await noise('webp'), 0.5)],
    ['GIF cut in half', async () => cut(await noise('gif'), 0.5)],
    ['JPEG magic then garbage', () => Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), random])],
    [
      'PNG magic then garbage',
      () => Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), random]),
    ],
    [
      'an unclosed SVG',
      () => Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect'),
    ],
    ['an empty SVG', () => Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"></svg>')],
  ];
  for (const [name, make] of cases) {
    it(`answers ${name} with a 422`, async () => {
      const message = await expect422(await make());
      expect(message.length).toBeGreaterThan(10);
    });
  }

  it('answers a broken SVG asked for as SVG with a 422', async () => {
    await expect422(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><g>'), 'svg');
  });
});

describe('processImage', () => {
  it('reports the source size as displayed', async () => {
    const result = await run(await orientedGrid(8), { width: 50 });
    expect([result.originWidth, result.originHeight]).toEqual([200, 100]);
    expect([result.width, result.height]).toEqual([50, 25]);
  });

  it('returns a skip_processing format untouched', async () => {
    const source = await gridImage('webp');
    const result = await run(source, { skipProcessingFormats: ['webp'], width: 10 }, 'webp');
    expect(result.data.equals(source)).toBe(true);
    expect([result.width, result.height, result.format]).toEqual([200, 100, 'webp']);
  });

  it('processes a skip_processing format converted to another format', async () => {
    const result = await run(await gridImage('webp'), { skipProcessingFormats: ['webp'], width: 10 }, 'png');
    expect(result.width).toBe(10);
  });

  it('passes an SVG asked for as SVG through the sanitizer', async () => {
    const svg = Buffer.from(
      '<svg xmlns="http://www.w3.org/2000/svg" width="30" height="20" onload="alert(1)"><script>alert(2)</script><rect width="5" height="5"/></svg>',
    );
    const result = await run(svg, { width: 10 }, 'svg');
    expect(result.format).toBe('svg');
    expect([result.width, result.height]).toEqual([30, 20]);
    expect(result.data.toString()).toBe(
      '<svg xmlns="http://www.w3.org/2000/svg" width="30" height="20"><rect width="5" height="5"/></svg>',
    );
    const raw = await run(svg, {}, 'svg', { sanitizeSvg: false });
    expect(raw.data.equals(svg)).toBe(true);
  });

  it('is a list of steps in imgproxy order', () => {
    expect(PIPELINE.map((step) => step.name)).toEqual([
      'guardVectorSize',
      'trim',
      'scaleOnLoad',
      'crop',
      'scale',
      'rotateAndFlip',
      'cropToResult',
      'applyFilters',
      'extend',
      'extendAspectRatio',
      'padding',
      'fixSize',
      'flatten',
      'watermark',
      'colorspaceAndMetadata',
      'save',
    ]);
  });
});

describe('result size', () => {
  it('refuses a result too large to hold in memory', async () => {
    await expect(
      run(await gridImage(), { width: 50_000, height: 50_000, enlarge: true }),
    ).rejects.toMatchObject({
      status: 422,
      publicMessage: 'Resulting image is too big',
    });
    await expect(
      run(await gridImage(), {
        width: 30_000,
        height: 30_000,
        extend: { enabled: true, gravity: { type: 'ce', x: 0, y: 0 } },
      }),
    ).rejects.toMatchObject({ status: 422 });
  });
});
