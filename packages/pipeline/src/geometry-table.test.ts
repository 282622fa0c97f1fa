/**
 * imgproxy's own size expectations (processing_test.go, crop_test.go, extend_test.go,
 * padding_test.go), ported as facts: a 200x100 source, options, the size imgproxy returns.
 * The rows after those are ours, worked out by hand with imgproxy's rules (prepare.go).
 */
import {
  defaultOptions,
  type Gravity,
  type GravityType,
  type ProcessingOptions,
  type ResizingType,
} from '@tintype/url';
import { describe, expect, it } from 'vitest';
import { processImage } from './pipeline.js';
import { createPipelineSettings } from './settings.js';
import { gridImage, sizeOf } from './test-images.js';

const source = await gridImage('png');
const settings = createPipelineSettings();

interface Case {
  name: string;
  options: (o: ProcessingOptions) => void;
  size: [number, number];
}

function check(cases: Case[]): void {
  for (const c of cases) {
    it(`${c.name} -> ${c.size.join('x')}`, async () => {
      const o = defaultOptions();
      c.options(o);
      const result = await processImage(source, o, settings, 'png');
      expect([result.width, result.height]).toEqual(c.size);
      const actual = await sizeOf(result.data);
      expect([actual.width, actual.height]).toEqual(c.size);
    });
  }
}

interface SizeFlags {
  enlarge?: boolean;
  extend?: boolean;
  extendAR?: boolean;
  limit?: number;
  rotate?: number;
  padding?: [number, number, number, number];
}

function resize(rt: ResizingType, width: number, height: number, flags: SizeFlags = {}) {
  return (o: ProcessingOptions) => {
    o.resizingType = rt;
    o.width = width;
    o.height = height;
    o.enlarge = flags.enlarge ?? false;
    o.extend.enabled = flags.extend ?? false;
    o.extendAspectRatio.enabled = flags.extendAR ?? false;
    o.security.maxResultDimension = flags.limit ?? 0;
    o.rotate = flags.rotate ?? 0;
    if (flags.padding) {
      const [top, right, bottom, left] = flags.padding;
      o.padding = { top, right, bottom, left };
    }
  };
}

/** One of imgproxy's size tables: rows of [width, height, expected width, expected height]. */
function table(rt: ResizingType, flags: SizeFlags, rows: [number, number, number, number][]): Case[] {
  const label = Object.entries(flags)
    .map(([k, v]) => `${k}:${v}`)
    .join(' ');
  return rows.map(([w, h, ew, eh]) => ({
    name: `${rt}:${w}x${h} ${label}`,
    options: resize(rt, w, h, flags),
    size: [ew, eh],
  }));
}

describe('imgproxy processing_test.go', () => {
  check(
    table('fit', {}, [
      [50, 50, 50, 25],
      [50, 20, 40, 20],
      [20, 50, 20, 10],
      [300, 300, 200, 100],
      [300, 50, 100, 50],
      [100, 300, 100, 50],
      [0, 50, 100, 50],
      [50, 0, 50, 25],
      [0, 200, 200, 100],
      [300, 0, 200, 100],
    ]),
  );
  check(
    table('fit', { enlarge: true }, [
      [50, 50, 50, 25],
      [50, 20, 40, 20],
      [20, 50, 20, 10],
      [300, 300, 300, 150],
      [300, 125, 250, 125],
      [250, 300, 250, 125],
      [0, 50, 100, 50],
      [50, 0, 50, 25],
      [0, 200, 400, 200],
      [300, 0, 300, 150],
    ]),
  );
  check(
    table('fit', { extend: true }, [
      [50, 50, 50, 50],
      [50, 20, 50, 20],
      [20, 50, 20, 50],
      [300, 300, 300, 300],
      [300, 125, 300, 125],
      [250, 300, 250, 300],
      [0, 50, 100, 50],
      [50, 0, 50, 25],
      [0, 200, 200, 200],
      [300, 0, 300, 100],
    ]),
  );
  check(
    table('fit', { extendAR: true }, [
      [50, 50, 50, 50],
      [50, 20, 50, 20],
      [20, 50, 20, 50],
      [300, 300, 200, 200],
      [300, 125, 240, 100],
      [250, 500, 200, 400],
      [0, 50, 100, 50],
      [50, 0, 50, 25],
      [0, 200, 200, 100],
      [300, 0, 200, 100],
    ]),
  );
  check(
    table('fill', {}, [
      [50, 50, 50, 50],
      [50, 20, 50, 20],
      [20, 50, 20, 50],
      [300, 300, 200, 100],
      [300, 50, 200, 50],
      [100, 300, 100, 100],
      [0, 50, 100, 50],
      [50, 0, 50, 25],
      [0, 200, 200, 100],
      [300, 0, 200, 100],
    ]),
  );
  check(
    table('fill', { enlarge: true }, [
      [50, 50, 50, 50],
      [50, 20, 50, 20],
      [20, 50, 20, 50],
      [300, 300, 300, 300],
      [300, 125, 300, 125],
      [250, 300, 250, 300],
      [0, 50, 100, 50],
      [50, 0, 50, 25],
      [0, 200, 400, 200],
      [300, 0, 300, 150],
    ]),
  );
  check(
    table('fill', { extend: true }, [
      [50, 50, 50, 50],
      [50, 20, 50, 20],
      [20, 50, 20, 50],
      [300, 300, 300, 300],
      [300, 125, 300, 125],
      [250, 300, 250, 300],
      [300, 50, 300, 50],
      [100, 300, 100, 300],
      [0, 50, 100, 50],
      [50, 0, 50, 25],
      [0, 200, 200, 200],
      [300, 0, 300, 100],
    ]),
  );
  check(
    table('fill', { extendAR: true }, [
      [50, 50, 50, 50],
      [50, 20, 50, 20],
      [20, 50, 20, 50],
      [300, 300, 200, 200],
      [300, 125, 240, 100],
      [250, 500, 200, 400],
      [300, 50, 300, 50],
      [100, 300, 100, 300],
      [0, 50, 100, 50],
      [50, 0, 50, 25],
      [0, 200, 200, 100],
      [300, 0, 200, 100],
    ]),
  );
  check(
    table('fill-down', {}, [
      [50, 50, 50, 50],
      [50, 20, 50, 20],
      [20, 50, 20, 50],
      [300, 300, 100, 100],
      [300, 125, 200, 83],
      [250, 300, 83, 100],
      [0, 50, 100, 50],
      [50, 0, 50, 25],
      [0, 200, 200, 100],
      [300, 0, 200, 100],
    ]),
  );
  check(
    table('fill-down', { enlarge: true }, [
      [50, 50, 50, 50],
      [50, 20, 50, 20],
      [20, 50, 20, 50],
      [300, 300, 300, 300],
      [300, 125, 300, 125],
      [250, 300, 250, 300],
      [0, 50, 100, 50],
      [50, 0, 50, 25],
      [0, 200, 400, 200],
      [300, 0, 300, 150],
    ]),
  );
  check(
    table('fill-down', { extend: true }, [
      [50, 50, 50, 50],
      [50, 20, 50, 20],
      [20, 50, 20, 50],
      [300, 300, 300, 300],
      [300, 125, 300, 125],
      [250, 300, 250, 300],
      [300, 50, 300, 50],
      [100, 300, 100, 300],
      [0, 50, 100, 50],
      [50, 0, 50, 25],
      [0, 200, 200, 200],
      [300, 0, 300, 100],
    ]),
  );
  check(
    table('fill-down', { extendAR: true }, [
      [50, 50, 50, 50],
      [50, 20, 50, 20],
      [20, 50, 20, 50],
      [300, 300, 100, 100],
      [300, 125, 200, 83],
      [250, 300, 83, 100],
      [0, 50, 100, 50],
      [50, 0, 50, 25],
      [0, 200, 200, 100],
      [300, 0, 200, 100],
    ]),
  );

  describe('max_result_dimension', () => {
    const pad: [number, number, number, number] = [100, 200, 300, 400];
    check([
      ...table('fit', { limit: 1000 }, [[100, 100, 100, 50]]),
      ...table('fit', { limit: 50 }, [
        [100, 100, 50, 25],
        [0, 0, 50, 25],
        [150, 0, 50, 25],
      ]),
      ...table('fit', { limit: 100 }, [
        [0, 100, 100, 50],
        [1000, 1000, 100, 50],
      ]),
      ...table('fit', { limit: 100, enlarge: true }, [[1000, 1000, 100, 50]]),
      ...table('fit', { limit: 100, extend: true }, [[1000, 2000, 50, 100]]),
      ...table('fit', { limit: 100, extendAR: true }, [[1000, 2000, 50, 100]]),
      ...table('fit', { limit: 100, rotate: 90 }, [
        [100, 150, 50, 100],
        [0, 0, 50, 100],
      ]),
      ...table('fit', { limit: 200, padding: pad }, [[100, 100, 200, 129]]),
      ...table('fill', { limit: 1000 }, [[100, 100, 100, 100]]),
      ...table('fill', { limit: 50 }, [
        [100, 100, 50, 50],
        [1000, 50, 50, 13],
        [100, 1000, 50, 50],
        [0, 0, 50, 25],
        [150, 0, 50, 25],
      ]),
      ...table('fill', { limit: 100 }, [
        [0, 100, 100, 50],
        [1000, 1000, 100, 50],
      ]),
      ...table('fill', { limit: 100, enlarge: true }, [[1000, 1000, 100, 100]]),
      ...table('fill', { limit: 100, extend: true }, [[1000, 2000, 50, 100]]),
      ...table('fill', { limit: 100, extendAR: true }, [[1000, 2000, 50, 100]]),
      ...table('fill', { limit: 100, rotate: 90 }, [
        [100, 150, 67, 100],
        [0, 0, 50, 100],
      ]),
      ...table('fill', { limit: 200, padding: pad }, [[100, 100, 200, 144]]),
      ...table('fill-down', { limit: 1000 }, [[100, 100, 100, 100]]),
      ...table('fill-down', { limit: 50 }, [
        [100, 100, 50, 50],
        [1000, 50, 50, 3],
        [100, 1000, 5, 50],
        [0, 0, 50, 25],
        [150, 0, 50, 25],
      ]),
      ...table('fill-down', { limit: 100 }, [
        [0, 100, 100, 50],
        [1000, 1000, 100, 100],
      ]),
      ...table('fill-down', { limit: 100, enlarge: true }, [[1000, 1000, 100, 100]]),
      ...table('fill-down', { limit: 100, extend: true }, [[1000, 2000, 50, 100]]),
      ...table('fill-down', { limit: 100, extendAR: true }, [[1000, 2000, 50, 100]]),
      ...table('fill-down', { limit: 100, rotate: 90 }, [
        [1000, 1500, 67, 100],
        [0, 0, 50, 100],
      ]),
      ...table('fill-down', { limit: 200, padding: pad }, [
        [100, 100, 200, 144],
        [1000, 1000, 200, 144],
      ]),
    ]);
  });
});

const gravity = (type: GravityType, x = 0, y = 0): Gravity => ({ type, x, y });

describe('imgproxy crop_test.go', () => {
  const fill =
    (w: number, h: number, g: Gravity, dpr = 1) =>
    (o: ProcessingOptions) => {
      o.resizingType = 'fill';
      o.width = w;
      o.height = h;
      o.gravity = g;
      o.dpr = dpr;
    };
  const wider: [number, number] = [100, 26];
  const taller: [number, number] = [26, 100];
  check([
    ...(['ce', 'no', 'so', 'noea', 'soea', 'sowe', 'nowe'] as const).map((g) => ({
      name: `fill 100x26 g:${g}`,
      options: fill(100, 26, gravity(g)),
      size: wider,
    })),
    ...(['ce', 'ea', 'we', 'noea', 'soea', 'sowe', 'nowe'] as const).map((g) => ({
      name: `fill 26x100 g:${g}`,
      options: fill(26, 100, gravity(g)),
      size: taller,
    })),
    { name: 'fill 100x26 dpr:2', options: fill(100, 26, gravity('ce'), 2), size: [200, 52] },
    { name: 'fill 100x26 g:no:0:5', options: fill(100, 26, gravity('no', 0, 5)), size: wider },
    {
      name: 'fill 100x26 g:no:0:5 dpr:0.5',
      options: fill(100, 26, gravity('no', 0, 5), 0.5),
      size: [50, 13],
    },
    { name: 'fill 100x26 g:no:0:5 dpr:2', options: fill(100, 26, gravity('no', 0, 5), 2), size: [200, 52] },
    { name: 'fill 26x100 g:no:5:0', options: fill(26, 100, gravity('no', 5, 0)), size: taller },
    {
      name: 'fill 26x100 g:no:5:0 dpr:0.5',
      options: fill(26, 100, gravity('no', 5, 0), 0.5),
      size: [13, 50],
    },
    { name: 'fill 26x100 g:no:5:0 dpr:2', options: fill(26, 100, gravity('no', 5, 0), 2), size: taller },
    { name: 'fill 100x26 g:no:0:0.1', options: fill(100, 26, gravity('no', 0, 0.1)), size: wider },
    {
      name: 'fill 100x26 g:no:0:0.1 dpr:0.5',
      options: fill(100, 26, gravity('no', 0, 0.1), 0.5),
      size: [50, 13],
    },
    {
      name: 'fill 100x26 g:no:0:0.1 dpr:2',
      options: fill(100, 26, gravity('no', 0, 0.1), 2),
      size: [200, 52],
    },
  ]);

  const crop =
    (g: Gravity | null, dpr = 1) =>
    (o: ProcessingOptions) => {
      o.crop = { width: 50, height: 50, gravity: g };
      o.dpr = dpr;
    };
  check([
    ...(['ce', 'no', 'so', 'ea', 'we', 'noea', 'nowe', 'soea', 'sowe'] as const).map((g) => ({
      name: `crop 50x50 ${g}`,
      options: crop(gravity(g)),
      size: [50, 50] as [number, number],
    })),
    { name: 'crop 50x50 ce:10:0', options: crop(gravity('ce', 10, 0)), size: [50, 50] },
    { name: 'crop 50x50 ce:0:10', options: crop(gravity('ce', 0, 10)), size: [50, 50] },
    { name: 'crop 50x50 ce:10:10', options: crop(gravity('ce', 10, 10)), size: [50, 50] },
    { name: 'crop 50x50 ce:0.1:0', options: crop(gravity('ce', 0.1, 0)), size: [50, 50] },
    { name: 'crop 50x50 ce:0:0.1', options: crop(gravity('ce', 0, 0.1)), size: [50, 50] },
    { name: 'crop 50x50 ce:0.1:0.1', options: crop(gravity('ce', 0.1, 0.1)), size: [50, 50] },
    { name: 'crop 50x50 ce:10:10 dpr:0.5', options: crop(gravity('ce', 10, 10), 0.5), size: [25, 25] },
  ]);
});

describe('imgproxy extend_test.go', () => {
  const ext =
    (w: number, h: number, which: 'extend' | 'extendAspectRatio', g: Gravity, dpr = 1) =>
    (o: ProcessingOptions) => {
      o.width = w;
      o.height = h;
      o[which] = { enabled: true, gravity: g };
      o.dpr = dpr;
    };
  const variants = (
    which: 'extend' | 'extendAspectRatio',
    w: number,
    h: number,
    expected: [number, number],
  ): Case[] => [
    ...(['ce', 'no', 'so', 'ea', 'we', 'noea', 'soea', 'sowe', 'nowe'] as const).map((g) => ({
      name: `${which} ${w}x${h} ${g}`,
      options: ext(w, h, which, gravity(g)),
      size: expected,
    })),
    { name: `${which} no:0:5`, options: ext(w, h, which, gravity('no', 0, 5)), size: expected },
    {
      name: `${which} no:0:5 dpr:0.5`,
      options: ext(w, h, which, gravity('no', 0, 5), 0.5),
      size: [w / 2, h / 2],
    },
    { name: `${which} no:0:5 dpr:2`, options: ext(w, h, which, gravity('no', 0, 5), 2), size: expected },
    { name: `${which} ea:5:0`, options: ext(w, h, which, gravity('ea', 5, 0)), size: expected },
    {
      name: `${which} ea:5:0 dpr:0.5`,
      options: ext(w, h, which, gravity('ea', 5, 0), 0.5),
      size: [w / 2, h / 2],
    },
    { name: `${which} ea:5:0 dpr:2`, options: ext(w, h, which, gravity('ea', 5, 0), 2), size: expected },
    { name: `${which} no:0:0.1`, options: ext(w, h, which, gravity('no', 0, 0.1)), size: expected },
    {
      name: `${which} no:0:0.1 dpr:0.5`,
      options: ext(w, h, which, gravity('no', 0, 0.1), 0.5),
      size: [w / 2, h / 2],
    },
    { name: `${which} no:0:0.1 dpr:2`, options: ext(w, h, which, gravity('no', 0, 0.1), 2), size: expected },
  ];
  check(variants('extend', 500, 500, [500, 500]));
  check(variants('extendAspectRatio', 300, 600, [200, 400]));
});

describe('imgproxy padding_test.go', () => {
  const pad = (dpr: number) => (o: ProcessingOptions) => {
    o.dpr = dpr;
    o.padding = { top: 20, right: 30, bottom: 40, left: 10 };
    o.background = { r: 255, g: 0, b: 0 };
    o.enlarge = true;
  };
  check([
    { name: 'padding dpr:0.5', options: pad(0.5), size: [120, 80] },
    { name: 'padding dpr:1', options: pad(1), size: [240, 160] },
    { name: 'padding dpr:2', options: pad(2), size: [480, 320] },
  ]);
});

describe('worked out with imgproxy rules', () => {
  const set = (patch: Partial<ProcessingOptions>) => (o: ProcessingOptions) => Object.assign(o, patch);
  check([
    // force ignores the aspect ratio; without enlarge the scale is capped at 1 on the side that grows
    { name: 'force 50x50', options: resize('force', 50, 50), size: [50, 50] },
    { name: 'force 300x50', options: resize('force', 300, 50), size: [200, 33] },
    { name: 'force 300x50 enlarge', options: resize('force', 300, 50, { enlarge: true }), size: [300, 50] },
    { name: 'force 0x50', options: resize('force', 0, 50), size: [200, 50] },
    { name: 'force 80x0', options: resize('force', 80, 0), size: [80, 100] },
    { name: 'force 50x50 extend', options: resize('force', 50, 50, { extend: true }), size: [50, 50] },
    // auto: fill when source and target have the same orientation, fit otherwise
    { name: 'auto 50x50', options: resize('auto', 50, 50), size: [50, 50] },
    { name: 'auto 100x50', options: resize('auto', 100, 50), size: [100, 50] },
    { name: 'auto 50x100', options: resize('auto', 50, 100), size: [50, 25] },
    { name: 'auto 40x60', options: resize('auto', 40, 60), size: [40, 20] },
    { name: 'auto 40x60 extend', options: resize('auto', 40, 60, { extend: true }), size: [40, 60] },
    { name: 'auto 300x300 enlarge', options: resize('auto', 300, 300, { enlarge: true }), size: [300, 300] },
    // zoom
    { name: 'zoom 0.5', options: set({ zoomWidth: 0.5, zoomHeight: 0.5 }), size: [100, 50] },
    { name: 'zoom 2', options: set({ zoomWidth: 2, zoomHeight: 2 }), size: [200, 100] },
    {
      name: 'zoom 2 enlarge',
      options: set({ zoomWidth: 2, zoomHeight: 2, enlarge: true }),
      size: [400, 200],
    },
    { name: 'zoom 0.5:1', options: set({ zoomWidth: 0.5, zoomHeight: 1 }), size: [100, 100] },
    {
      name: 'fit 100x100 zoom 0.5',
      options: set({ width: 100, height: 100, zoomWidth: 0.5, zoomHeight: 0.5 }),
      size: [50, 25],
    },
    {
      name: 'fill 100x100 zoom 0.5',
      options: set({ resizingType: 'fill', width: 100, height: 100, zoomWidth: 0.5, zoomHeight: 0.5 }),
      size: [50, 50],
    },
    // min-width / min-height raise the scale (enlarging if need be); the result is still cut to width/height
    {
      name: 'fit 50x50 min-width 100',
      options: set({ width: 50, height: 50, minWidth: 100 }),
      size: [50, 50],
    },
    { name: 'fit 0x50 min-width 150', options: set({ height: 50, minWidth: 150 }), size: [150, 50] },
    { name: 'min-width 300', options: set({ minWidth: 300 }), size: [300, 150] },
    { name: 'min-height 150', options: set({ minHeight: 150 }), size: [300, 150] },
    { name: 'fit 50x50 min-width 20', options: set({ width: 50, height: 50, minWidth: 20 }), size: [50, 25] },
    {
      name: 'fill 50x50 min-width 100',
      options: set({ resizingType: 'fill', width: 50, height: 50, minWidth: 100 }),
      size: [50, 50],
    },
    // dpr
    { name: 'fit 50x50 dpr 2', options: set({ width: 50, height: 50, dpr: 2 }), size: [100, 50] },
    { name: 'fit 100x100 dpr 3', options: set({ width: 100, height: 100, dpr: 3 }), size: [200, 100] },
    { name: 'fit 300x300 dpr 2', options: set({ width: 300, height: 300, dpr: 2 }), size: [200, 100] },
    {
      name: 'fit 300x300 dpr 2 enlarge',
      options: set({ width: 300, height: 300, dpr: 2, enlarge: true }),
      size: [600, 300],
    },
    {
      name: 'fill 50x50 dpr 0.5',
      options: set({ resizingType: 'fill', width: 50, height: 50, dpr: 0.5 }),
      size: [25, 25],
    },
    // rotation swaps the sides before any size is computed
    { name: 'fit 50x50 rotate 90', options: resize('fit', 50, 50, { rotate: 90 }), size: [25, 50] },
    { name: 'fit 50x50 rotate 180', options: resize('fit', 50, 50, { rotate: 180 }), size: [50, 25] },
    { name: 'fit 50x50 rotate 270', options: resize('fit', 50, 50, { rotate: 270 }), size: [25, 50] },
    { name: 'fill 50x50 rotate 90', options: resize('fill', 50, 50, { rotate: 90 }), size: [50, 50] },
    { name: 'no resize rotate 90', options: resize('fit', 0, 0, { rotate: 90 }), size: [100, 200] },
    // crop before resize, relative crops, focus point and smart gravity
    {
      name: 'crop 0.5x0.5',
      options: set({ crop: { width: 0.5, height: 0.5, gravity: null } }),
      size: [100, 50],
    },
    {
      name: 'crop 0.5x0.5 fit 50x50',
      options: set({ width: 50, height: 50, crop: { width: 0.5, height: 0.5, gravity: null } }),
      size: [50, 25],
    },
    {
      name: 'crop 150x0',
      options: set({ crop: { width: 150, height: 0, gravity: null } }),
      size: [150, 100],
    },
    {
      name: 'crop 300x300',
      options: set({ crop: { width: 300, height: 300, gravity: null } }),
      size: [200, 100],
    },
    {
      name: 'crop 120x80 rotate 90',
      options: set({ rotate: 90, crop: { width: 80, height: 120, gravity: null } }),
      size: [80, 120],
    },
    {
      name: 'crop 50x50 fp:0.2:0.8',
      options: set({ crop: { width: 50, height: 50, gravity: gravity('fp', 0.2, 0.8) } }),
      size: [50, 50],
    },
    {
      name: 'fill 50x50 g:fp:0:0',
      options: set({ resizingType: 'fill', width: 50, height: 50, gravity: gravity('fp') }),
      size: [50, 50],
    },
    {
      name: 'crop 60x40 sm',
      options: set({ crop: { width: 60, height: 40, gravity: gravity('sm') } }),
      size: [60, 40],
    },
    {
      name: 'fill 40x80 g:sm',
      options: set({ resizingType: 'fill', width: 40, height: 80, gravity: gravity('sm') }),
      size: [40, 80],
    },
    // padding without a size, and with extend
    {
      name: 'padding 10 all',
      options: set({ padding: { top: 10, right: 10, bottom: 10, left: 10 } }),
      size: [220, 120],
    },
    {
      name: 'fit 100x100 extend padding 5',
      options: set({
        width: 100,
        height: 100,
        extend: { enabled: true, gravity: gravity('ce') },
        padding: { top: 5, right: 5, bottom: 5, left: 5 },
      }),
      size: [110, 110],
    },
  ]);
});
