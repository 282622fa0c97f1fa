import {
  chooseOutputFormat,
  DEFAULT_PIPELINE_SETTINGS,
  type FormatSettings,
  probeImage,
  processImage,
} from '@tintype/pipeline';
import { createUrlSettings, type ImageFormat, isTintypeError, parsePath } from '@tintype/url';
import fc from 'fast-check';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hugeGif, hugeJpeg, hugePng, hugeTiff, hugeWebp } from './test/hostile-images.js';
import { type Origin, startOrigin } from './test/origin.js';
import { startTestServer, type TestServer } from './test/server.js';

// Seeded and bounded: the same inputs on every run, so a failure can be replayed from the seed
// and the path fast-check prints. The counts are what the note reports.
const SEED = Number(process.env.TEST_FUZZ_SEED ?? 0x7147e);
const PIPELINE_RUNS = 1000;
const HTTP_RUNS = 1000;

/** Small valid images in every format the server decodes: the material mutations start from. */
async function seeds(): Promise<Buffer[]> {
  const base = sharp({
    create: { width: 24, height: 16, channels: 4, background: { r: 200, g: 30, b: 90, alpha: 0.6 } },
  });
  const svg = Buffer.from(
    '<svg xmlns="http://www.w3.org/2000/svg" width="24" height="16"><rect width="12" height="8" fill="#08f"/></svg>',
  );
  const animated = await sharp(
    Buffer.concat([Buffer.alloc(24 * 16 * 3, 40), Buffer.alloc(24 * 16 * 3, 200)]),
    { raw: { width: 24, height: 32, channels: 3, pageHeight: 16 } },
  )
    .gif({ delay: [50, 50] })
    .toBuffer();
  return [
    await base.clone().jpeg().toBuffer(),
    await base.clone().png().toBuffer(),
    await base.clone().webp().toBuffer(),
    await base.clone().gif().toBuffer(),
    await base.clone().tiff().toBuffer(),
    await base.clone().avif({ effort: 0 }).toBuffer(),
    animated,
    svg,
    hugePng(),
    hugeGif(),
    hugeJpeg(),
    hugeWebp(),
    hugeTiff(),
  ];
}

/** One change to a file: flipped bytes, cuts, inserted junk, a header field set to an extreme. */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }),
  }),
  fc.record({
    kind: fc.constant('u32' as const),
    at: fc.nat({ max: 64 }),
    value: fc.constantFrom(0, 1, 0xffff, 0x7fffffff, 0xffffffff),
  }),
  fc.record({
    kind: fc.constant('repeat' as const),
    at: fc.nat(),
    length: fc.integer({ min: 1, max: 64 }),
    times: fc.integer({ min: 1, max: 50 }),
  }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

function mutate(input: Buffer, changes: Mutation[]): Buffer {
  let out = Buffer.from(input);
  for (const m of changes) {
    if (out.length === 0) break;
    const at = m.at % out.length;
    if (m.kind === 'flip') out[at] = m.value;
    else if (m.kind === 'truncate') out = out.subarray(0, at);
    else if (m.kind === 'insert')
      out = Buffer.concat([out.subarray(0, at), Buffer.from(m.bytes), out.subarray(at)]);
    else if (m.kind === 'u32' && at + 4 <= out.length) out.writeUInt32BE(m.value, at);
    else if (m.kind === 'repeat') {
      const piece = out.subarray(at, at + m.length);
      out = Buffer.concat([out.subarray(0, at), ...Array(m.times).fill(piece), out.subarray(at)]);
    }
  }
  return out;
}

/**
 * Option segments from imgproxy's grammar, mostly valid (so that most requests reach the
 * pipeline), with arguments at and past their bounds, and some junk the parser must refuse.
 */
const num = fc.integer({ min: 0, max: 1500 });
const valid = fc.oneof(
  num.map((n) => `w:${n}`),
  num.map((n) => `h:${n}`),
  fc
    .tuple(fc.constantFrom('fit', 'fill', 'fill-down', 'force', 'auto'), num, num)
    .map(([t, w, h]) => `rs:${t}:${w}:${h}`),
  fc.integer({ min: 0, max: 100 }).map((q) => `q:${q}`),
  fc.oneof(fc.float({ min: 0, max: 5, noNaN: true }), fc.constantFrom(1e-30, 0.01)).map((d) => `dpr:${d}`),
  fc
    .oneof(fc.float({ min: 0, max: 8, noNaN: true }), fc.constantFrom(1e-9, 0.1, 1001, 1e9))
    .map((s) => `bl:${s}`),
  fc.oneof(fc.float({ min: 0, max: 4, noNaN: true }), fc.constantFrom(1e-9, 11, 1e9)).map((s) => `sh:${s}`),
  fc.integer({ min: 0, max: 40 }).map((p) => `pix:${p}`),
  fc
    .tuple(num, num, fc.constantFrom('ce', 'no', 'sowe', 'sm', 'fp:0.3:0.9'))
    .map(([w, h, g]) => `c:${w}:${h}:${g}`),
  fc.constantFrom('g:sm', 'g:noea:5:5', 'g:fp:0.2:0.7', 'ex:1', 'exar:1', 'el:1', 'el:0', 'ar:0', 'fl:1:1'),
  fc.tuple(num, num, num, num).map(([a, b, c, d]) => `pd:${a % 300}:${b % 300}:${c % 300}:${d % 300}`),
  fc.constantFrom(0, 90, 180, 270).map((r) => `rot:${r}`),
  fc.constantFrom('t:10', 't:10:ff00ff:1:1', 'bg:ff0000', 'bg:12:34:56', 'z:2', 'mw:5', 'mh:5', 'ra:1'),
  fc.constantFrom('f:jpg', 'f:png', 'f:webp', 'f:avif', 'f:gif', 'f:tiff'),
  fc.constantFrom('sm:0', 'scp:0', 'kcr:1', 'cb:xyz', 'q:1', 'q:100', 'w:0/h:0'),
);
const junk = fc.oneof(
  fc.constantFrom(
    'w:-1',
    'rs:bogus:1:1',
    'q:101',
    'f:zzz',
    'f:bmp',
    'f:svg',
    'rot:45',
    'exp:1',
    'raw:1',
    'pd:',
  ),
  fc.string({ maxLength: 12 }).map((s) => encodeURIComponent(s)),
);
const option = fc.oneof({ arbitrary: valid, weight: 12 }, { arbitrary: junk, weight: 1 });
const optionPath = fc.array(option, { maxLength: 4 }).map((list) => list.join('/'));

/** Only our typed errors may come out, and none of them a 500: a 500 means a bug of ours. */
function expectTyped(e: unknown, what: string): void {
  if (!isTintypeError(e)) throw new Error(`${what} threw a foreign error: ${String(e)}`);
  if (e.status >= 500) throw new Error(`${what} answered ${e.status}: ${e.message}`);
}

describe('fuzz: the pipeline and mutated image bytes', () => {
  let material: Buffer[];
  beforeAll(async () => {
    material = await seeds();
  });
  const urlSettings = createUrlSettings({});
  const formats: FormatSettings = {
    autoWebp: false,
    enforceWebp: false,
    autoAvif: false,
    enforceAvif: false,
    preferredFormats: ['jpeg', 'png', 'gif'],
    alwaysRasterizeSvg: false,
  };

  it(`${PIPELINE_RUNS} mutated images through probe and processImage throw nothing but our 4xx errors`, async () => {
    let processed = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.nat(),
        fc.array(mutation, { maxLength: 3 }),
        optionPath,
        async (which, changes, options) => {
          const input = mutate(material[which % material.length]!, changes);
          let step = 'parse';
          try {
            const parsed = parsePath(`/unsafe/${options}/plain/local:///x`, urlSettings);
            step = 'probe';
            const info = await probeImage(input);
            const choice = chooseOutputFormat({
              requested: parsed.options.format,
              source: info,
              accept: { webp: false, avif: false },
              settings: formats,
              options: parsed.options,
            });
            step = 'process';
            const out = await processImage(
              input,
              parsed.options,
              DEFAULT_PIPELINE_SETTINGS,
              choice.format as ImageFormat,
            );
            expect(out.data.length).toBeGreaterThan(0);
            processed++;
          } catch (e) {
            expectTyped(e, `${step} of ${input.length} bytes with /${options}`);
            refused++;
          }
        },
      ),
      { seed: SEED, numRuns: PIPELINE_RUNS, endOnFailure: true },
    );
    // Both outcomes happen: the mutations are neither all harmless nor all fatal.
    expect(processed).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
    console.info(`pipeline fuzz: ${PIPELINE_RUNS} runs, ${processed} processed, ${refused} refused with 4xx`);
  }, 300_000);
});

describe('fuzz: hostile URLs and images over HTTP', () => {
  let origin: Origin;
  let server: TestServer;
  let material: Buffer[];
  const bodies = new Map<string, Buffer>();
  beforeAll(async () => {
    material = await seeds();
    origin = await startOrigin();
    for (let i = 0; i < HTTP_RUNS; i++) {
      origin.route(`/m/${i}`, (req, res) => {
        const body = bodies.get(req.url!) ?? Buffer.alloc(0);
        res
          .writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length })
          .end(body);
      });
    }
    server = await startTestServer({
      IMGPROXY_ALLOW_LOOPBACK_SOURCE_ADDRESSES: 'true',
      IMGPROXY_LOG_LEVEL: 'error',
      IMGPROXY_WORKERS: '4',
    });
  });
  afterAll(async () => {
    await server.stop();
    await origin.close();
  });

  it(`${HTTP_RUNS} random requests never answer 500 and the server stays up`, async () => {
    const statuses = new Map<number, number>();
    let n = 0;
    const source = fc.oneof(
      fc.constant('plain'),
      fc.constant('base64'),
      fc.constantFrom(
        'plain/local:///../../etc/passwd',
        'plain/http://169.254.169.254/latest',
        'plain/ftp://x/y',
        'enc/AAAA',
        '!!!',
        '',
      ),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.nat(),
        fc.array(mutation, { maxLength: 3 }),
        optionPath,
        source,
        fc.constantFrom('', '@png', '@webp', '@avif', '@gif', '@svg', '@bogus', '.jpg'),
        async (which, changes, options, kind, ext) => {
          const path = `/m/${n++ % HTTP_RUNS}`;
          bodies.set(path, mutate(material[which % material.length]!, changes));
          const url = `${origin.url}${path}`;
          const src =
            kind === 'plain'
              ? `plain/${url}${ext}`
              : kind === 'base64'
                ? `${Buffer.from(url).toString('base64url')}${ext.replace('@', '.')}`
                : kind;
          const res = await server.get(`/unsafe/${options}/${src}`);
          await res.arrayBuffer();
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          expect(res.status, `/unsafe/${options}/${src}`).not.toBe(500);
          expect([200, 403, 404, 422]).toContain(res.status);
        },
      ),
      { seed: SEED, numRuns: HTTP_RUNS, endOnFailure: true },
    );
    expect((await server.get('/health')).status).toBe(200);
    console.info(
      `HTTP fuzz: ${HTTP_RUNS} requests, statuses ${JSON.stringify(Object.fromEntries(statuses))}`,
    );
  }, 300_000);
});
