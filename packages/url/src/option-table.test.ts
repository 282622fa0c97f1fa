import { describe, expect, it } from 'vitest';
import { OPTION_TABLE, splitOptions } from './option-table.js';
import { defaultOptions } from './options.js';
import { optionFailure, opts, parse, SOURCE } from './test-helpers.js';

const defaults = defaultOptions();

describe('the table', () => {
  it('holds imgproxy’s 45 open-source options and Pro’s two cache options, names unique', () => {
    const fullNames = OPTION_TABLE.map((o) => o.names[0]);
    expect(fullNames).toHaveLength(47);
    expect(fullNames).toEqual(
      expect.arrayContaining(['resize', 'max_result_dimension', 'preset', 'bypass_cache', 'cache_tags']),
    );
    const all = OPTION_TABLE.flatMap((o) => o.names);
    expect(new Set(all).size).toBe(all.length);
  });

  it('parses every name and alias of every option', () => {
    const sample: Record<string, string> = {
      resize: 'fit:10:10',
      size: '10:10',
      resizing_type: 'fill',
      width: '10',
      height: '10',
      'min-width': '10',
      'min-height': '10',
      zoom: '2',
      dpr: '2',
      enlarge: '1',
      extend: '1',
      extend_aspect_ratio: '1',
      gravity: 'no',
      crop: '10:10',
      trim: '10',
      padding: '10',
      auto_rotate: '0',
      rotate: '90',
      flip: '1:1',
      background: 'fff',
      blur: '1',
      sharpen: '1',
      pixelate: '2',
      watermark: '0.5',
      strip_metadata: '0',
      keep_copyright: '0',
      strip_color_profile: '0',
      preserve_hdr: '1',
      enforce_thumbnail: '1',
      quality: '50',
      format_quality: 'webp:50',
      max_bytes: '1000',
      format: 'png',
      skip_processing: 'gif',
      raw: '1',
      cachebuster: 'v2',
      expires: '0',
      filename: 'x',
      return_attachment: '1',
      preset: 'p',
      max_src_resolution: '10',
      max_src_file_size: '10',
      max_animation_frames: '10',
      max_animation_frame_resolution: '10',
      max_result_dimension: '10',
      bypass_cache: '1',
      cache_tags: 'a:b',
    };
    const init = { presets: ['p=q:1'], allowSecurityOptions: true, allowBypassCache: true };
    for (const spec of OPTION_TABLE) {
      const args = sample[spec.names[0]!];
      expect(args, spec.names[0]).toBeDefined();
      for (const name of spec.names) {
        const o = opts(`${name}:${args}`, init);
        expect(o, name).not.toEqual(defaults);
      }
    }
  });
});

describe('splitOptions', () => {
  it('takes segments with the separator as options, up to the first without', () => {
    expect(splitOptions(['w:1', 'h:2:', 'plain', 'http:', 'x'], ':')).toEqual({
      calls: [
        { name: 'w', args: ['1'] },
        { name: 'h', args: ['2', ''] },
      ],
      rest: ['plain', 'http:', 'x'],
    });
    expect(splitOptions(['w:1'], ':')).toEqual({ calls: [{ name: 'w', args: ['1'] }], rest: [] });
    expect(splitOptions(['w,1', 'x'], ',')).toEqual({ calls: [{ name: 'w', args: ['1'] }], rest: ['x'] });
  });
});

// imgproxy's options/parser/processing_options_test.go, then every rule of options/parser/apply.go.
describe('sizes', () => {
  it('resize', () => {
    const o = opts('resize:fill:100:200:1');
    expect([o.resizingType, o.width, o.height, o.enlarge]).toEqual(['fill', 100, 200, true]);
    const ex = opts('rs:fit:1:2:0:1:so:10:20');
    expect(ex.extend).toEqual({ enabled: true, gravity: { type: 'so', x: 10, y: 20 } });
    expect(opts('rs::300').resizingType).toBe('fit');
    expect(opts('rs::300').width).toBe(300);
    expect(optionFailure('rs:fit:1:2:0:1:so:10:20:9')).toEqual([
      404,
      'Invalid resize arguments: [fit 1 2 0 1 so 10 20 9]',
    ]);
    expect(optionFailure('rs:nope')).toEqual([
      404,
      'Invalid resizing_type: nope (expected fit, fill, fill-down, force, auto)',
    ]);
  });

  it('size skips empty positions', () => {
    const o = opts('size:100:200:1');
    expect([o.width, o.height, o.enlarge]).toEqual([100, 200, true]);
    expect(opts('w:50/s::200').width).toBe(50);
    expect(opts('w:50/s::200').height).toBe(200);
    expect(optionFailure('s:1:2:3:4:5:6:7:8')[1]).toBe('Invalid size arguments: [1 2 3 4 5 6 7 8]');
    expect(optionFailure('s:-1')[1]).toBe('Invalid width: -1 (expected positive number or 0)');
    expect(optionFailure('s:1:x')[1]).toBe('Invalid height: x (expected positive number or 0)');
  });

  it('resizing_type, width, height, min-width, min-height', () => {
    expect(opts('resizing_type:fill-down').resizingType).toBe('fill-down');
    expect(opts('rt:force').resizingType).toBe('force');
    expect(opts('rt:auto').resizingType).toBe('auto');
    expect(opts('width:100').width).toBe(100);
    expect(opts('height:100').height).toBe(100);
    expect(opts('w:+7').width).toBe(7);
    expect(opts('w:007').width).toBe(7);
    expect(opts('mw:10/mh:20')).toMatchObject({ minWidth: 10, minHeight: 20 });
    expect(optionFailure('w:')[1]).toBe('Invalid width:  (expected positive number or 0)');
    expect(optionFailure('w:1.5')[1]).toBe('Invalid width: 1.5 (expected positive number or 0)');
    expect(optionFailure('h:1:2')[1]).toBe('Invalid height arguments: [1 2]');
    expect(optionFailure('mw:-1')[1]).toBe('Invalid min-width: -1 (expected positive number or 0)');
  });

  it('zoom and dpr', () => {
    expect(opts('zoom:2')).toMatchObject({ zoomWidth: 2, zoomHeight: 2 });
    expect(opts('z:1.5:0.5')).toMatchObject({ zoomWidth: 1.5, zoomHeight: 0.5 });
    expect(optionFailure('z:0')[1]).toBe('Invalid zoom_width: 0 (expected positive number)');
    expect(optionFailure('z:1:-1')[1]).toBe('Invalid zoom_height: -1 (expected positive number)');
    expect(optionFailure('z:1:2:3')[1]).toBe('Invalid zoom arguments: [1 2 3]');
    expect(opts('dpr:2').dpr).toBe(2);
    expect(opts('dpr:1e0').dpr).toBe(1);
    expect(optionFailure('dpr:0')[1]).toBe('Invalid dpr: 0 (expected positive number)');
    expect(optionFailure('dpr:NaN')[1]).toBe('Invalid dpr: NaN (expected positive number)');
  });

  it('enlarge reads booleans as strconv.ParseBool, anything else as false', () => {
    for (const t of ['1', 't', 'T', 'true', 'TRUE', 'True'])
      expect(opts(`enlarge:${t}`).enlarge, t).toBe(true);
    for (const f of ['0', 'f', 'false', 'yes', '', 'on']) expect(opts(`el:1/el:${f}`).enlarge, f).toBe(false);
    expect(optionFailure('el:1:1')[1]).toBe('Invalid enlarge arguments: [1 1]');
  });

  it('extend and extend_aspect_ratio', () => {
    expect(opts('extend:1:so:10:20').extend).toEqual({
      enabled: true,
      gravity: { type: 'so', x: 10, y: 20 },
    });
    expect(opts('ex:1:fp:0.5:0.25').extend.gravity).toEqual({ type: 'fp', x: 0.5, y: 0.25 });
    for (const name of ['extend_aspect_ratio', 'extend_ar', 'exar']) {
      expect(opts(`${name}:1:no`).extendAspectRatio).toEqual({
        enabled: true,
        gravity: { type: 'no', x: 0, y: 0 },
      });
    }
    expect(optionFailure('extend:1:sm')[1]).toBe(
      'Invalid extend.gravity.type: sm (expected fp, ce, no, ea, so, we, nowe, noea, sowe, soea)',
    );
    expect(optionFailure('extend:1:re')[0]).toBe(404);
    expect(optionFailure('ex:1:so:1:2:3')[1]).toBe('Invalid extend arguments: [1 so 1 2 3]');
    expect(optionFailure('ex:1:')[1]).toMatch(/^Invalid extend.gravity.type: {2}\(expected/);
  });
});

describe('gravity and crop', () => {
  it('gravity', () => {
    expect(opts('gravity:soea').gravity).toEqual({ type: 'soea', x: 0, y: 0 });
    expect(opts('g:fp:0.5:0.75').gravity).toEqual({ type: 'fp', x: 0.5, y: 0.75 });
    expect(opts('g:no:10:-20').gravity).toEqual({ type: 'no', x: 10, y: -20 });
    expect(opts('g:sm').gravity).toEqual({ type: 'sm', x: 0, y: 0 });
    // Offsets left out keep their value; `sm` clears them.
    expect(opts('g:no:10:20/g:so').gravity).toEqual({ type: 'so', x: 10, y: 20 });
    expect(opts('g:no:10:20/g:sm').gravity).toEqual({ type: 'sm', x: 0, y: 0 });
    expect(opts('g:no::5').gravity).toEqual({ type: 'no', x: 0, y: 5 });
    expect(optionFailure('gravity:re')[1]).toBe(
      'Invalid gravity.type: re (expected sm, fp, ce, no, ea, so, we, nowe, noea, sowe, soea)',
    );
    expect(optionFailure('g:sm:1')[1]).toBe('Invalid gravity arguments: [sm 1]');
    expect(optionFailure('g:fp:0.5')[1]).toBe('Invalid gravity arguments: [fp 0.5]');
    expect(optionFailure('g:fp:1.5:0')[1]).toBe('Invalid gravity.x_offset: 1.5');
    expect(optionFailure('g:fp:0:-0.1')[1]).toBe('Invalid gravity.y_offset: -0.1');
    expect(optionFailure('g:no:x')[1]).toBe('Invalid gravity.x_offset: x');
    expect(optionFailure('g:no:1:2:3')[1]).toBe('Invalid gravity arguments: [no 1 2 3]');
  });

  it('crop', () => {
    expect(opts('crop:100:200').crop).toEqual({ width: 100, height: 200, gravity: null });
    expect(opts('crop:100:200:nowe:10:20').crop).toEqual({
      width: 100,
      height: 200,
      gravity: { type: 'nowe', x: 10, y: 20 },
    });
    expect(opts('c:0.5:0.5:sm').crop.gravity).toEqual({ type: 'sm', x: 0, y: 0 });
    expect(opts('c:100').crop).toEqual({ width: 100, height: 0, gravity: null });
    expect(optionFailure('crop:100:200:re')[0]).toBe(404);
    expect(optionFailure('c:-1')[1]).toBe('Invalid crop.width: -1 (expected positive number or 0)');
    expect(optionFailure('c:1:x')[1]).toBe('Invalid crop.height: x (expected positive number or 0)');
    expect(optionFailure('c:1:1:no:1:2:3')[1]).toBe('Invalid crop.gravity arguments: [no 1 2 3]');
  });
});

describe('trim, padding, rotation, flip, background', () => {
  it('trim', () => {
    expect(opts('trim:15').trim).toEqual({
      enabled: true,
      threshold: 15,
      color: null,
      equalHorizontal: false,
      equalVertical: false,
    });
    expect(opts('t:-1.5:ff0000:1:t').trim).toEqual({
      enabled: true,
      threshold: -1.5,
      color: { r: 255, g: 0, b: 0 },
      equalHorizontal: true,
      equalVertical: true,
    });
    // An empty threshold disables trimming; an empty colour goes back to auto-detection.
    expect(opts('t:15:fff/t::').trim).toMatchObject({ enabled: false, threshold: 10, color: null });
    expect(optionFailure('t:x')[1]).toBe('Invalid trim.threshold arguments: [x]');
    expect(optionFailure('t:1:ggg')[1]).toBe('Invalid trim.color: ggg (expected hex-encoded color)');
    expect(optionFailure('t:1:1:1:1:1')[1]).toBe('Invalid trim arguments: [1 1 1 1 1]');
  });

  it('padding copies missing sides like CSS', () => {
    expect(opts('padding:10').padding).toEqual({ top: 10, right: 10, bottom: 10, left: 10 });
    expect(opts('pd:10:20').padding).toEqual({ top: 10, right: 20, bottom: 10, left: 20 });
    expect(opts('pd:10:20:30').padding).toEqual({ top: 10, right: 20, bottom: 30, left: 20 });
    expect(opts('pd:1:2:3:4').padding).toEqual({ top: 1, right: 2, bottom: 3, left: 4 });
    expect(opts('pd:1:2:3:4/pd::5').padding).toEqual({ top: 1, right: 5, bottom: 1, left: 5 });
    expect(optionFailure('pd:-1')[1]).toBe('Invalid padding.top: -1 (expected positive number or 0)');
    expect(optionFailure('pd:1:2:3:4:5')[1]).toBe('Invalid padding arguments: [1 2 3 4 5]');
  });

  it('auto_rotate, rotate and flip', () => {
    expect(opts('auto_rotate:0').autoRotate).toBe(false);
    expect(opts('ar:1').autoRotate).toBe(true);
    expect(opts('rotate:90').rotate).toBe(90);
    expect(opts('rot:-90').rotate).toBe(-90);
    expect(opts('rot:450').rotate).toBe(450);
    expect(optionFailure('rot:45')).toEqual([404, 'Rotation angle must be a multiple of 90']);
    expect(optionFailure('rot:x')[1]).toBe('Invalid rotate: x (expected integer number)');
    expect(opts('flip:1').flip).toEqual({ horizontal: true, vertical: false });
    expect(opts('fl::1').flip).toEqual({ horizontal: false, vertical: true });
    expect(opts('fl:1:1/fl:0').flip).toEqual({ horizontal: false, vertical: true });
    expect(optionFailure('fl:1:1:1')[1]).toBe('Invalid flip arguments: [1 1 1]');
  });

  it('background', () => {
    expect(opts('background:128:129:130').background).toEqual({ r: 128, g: 129, b: 130 });
    expect(opts('background:ffddee').background).toEqual({ r: 0xff, g: 0xdd, b: 0xee });
    expect(opts('bg:FDE').background).toEqual({ r: 0xff, g: 0xdd, b: 0xee });
    expect(opts('background:fff/background:').background).toBeNull();
    expect(optionFailure('bg:256:0:0')[1]).toBe('Invalid background.R: 256 (expected number in range 0-255)');
    expect(optionFailure('bg:0:-1:0')[1]).toBe('Invalid background.G: -1 (expected number in range 0-255)');
    expect(optionFailure('bg:0:0:+1')[1]).toBe('Invalid background.B: +1 (expected number in range 0-255)');
    expect(optionFailure('bg:ffff')[1]).toBe('Invalid background: ffff (expected hex-encoded color)');
    expect(optionFailure('bg:1:2')[1]).toBe('Invalid background arguments: [1 2]');
  });
});

describe('effects and watermark', () => {
  it('blur, sharpen, pixelate', () => {
    expect(opts('blur:0.2').blur).toBe(0.2);
    expect(opts('sharpen:0.2').sharpen).toBe(0.2);
    expect(opts('pix:8').pixelate).toBe(8);
    expect(optionFailure('bl:-1')[1]).toBe('Invalid blur: -1 (expected positive number or 0)');
    expect(optionFailure('sh:x')[1]).toBe('Invalid sharpen: x (expected positive number or 0)');
    expect(optionFailure('pix:1.5')[1]).toBe('Invalid pixelate: 1.5 (expected positive number or 0)');
  });

  it('watermark', () => {
    expect(opts('watermark:0.5:soea:10:20:0.6').watermark).toEqual({
      opacity: 0.5,
      position: 'soea',
      x: 10,
      y: 20,
      scale: 0.6,
    });
    expect(opts('wm:1:re').watermark).toMatchObject({ opacity: 1, position: 're' });
    expect(opts('wm:1::-5').watermark).toMatchObject({ position: 'ce', x: -5, y: 0 });
    expect(opts('wm:1:ce:0:0:0.1:pro:pro').watermark.scale).toBe(0.1);
    expect(optionFailure('wm:1.5')[1]).toBe('Invalid watermark.opacity: 1.5 (expected number in range 0-1)');
    expect(optionFailure('wm:1:sm')[1]).toBe(
      'Invalid watermark.position: sm (expected re, ce, no, ea, so, we, nowe, noea, sowe, soea)',
    );
    expect(optionFailure('wm:1:ce:x')[1]).toBe('Invalid watermark.x_offset arguments: [x]');
    expect(optionFailure('wm:1:ce:0:0:0')[1]).toBe('Invalid watermark.scale: 0 (expected positive number)');
    expect(optionFailure('wm:1:2:3:4:5:6:7:8')[1]).toBe('Invalid watermark arguments: [1 2 3 4 5 6 7 8]');
  });
});

describe('metadata and saving', () => {
  it('the boolean switches', () => {
    expect(opts('strip_metadata:true').stripMetadata).toBe(true);
    expect(opts('sm:0').stripMetadata).toBe(false);
    expect(opts('kcr:0').keepCopyright).toBe(false);
    expect(opts('scp:0').stripColorProfile).toBe(false);
    expect(opts('ph:1').preserveHdr).toBe(true);
    expect(opts('eth:1').enforceThumbnail).toBe(true);
    expect(opts('raw:1').raw).toBe(true);
    expect(opts('att:1').returnAttachment).toBe(true);
  });

  it('quality and format_quality', () => {
    expect(opts('quality:55').quality).toBe(55);
    expect(opts('q:0').quality).toBe(0);
    expect(optionFailure('q:101')[1]).toBe('Invalid quality: 101 (expected number in range 0-100)');
    expect(optionFailure('q:-1')[1]).toBe('Invalid quality: -1 (expected number in range 0-100)');
    expect(opts('fq:jpg:70:webp:60').formatQuality).toEqual({ webp: 60, avif: 63, jxl: 77, jpeg: 70 });
    // 0 goes back to the configured per-format quality, or to none.
    expect(opts('fq:webp:50/fq:webp:0:png:0').formatQuality).toEqual({ webp: 79, avif: 63, jxl: 77 });
    expect(optionFailure('fq:webp')[1]).toBe('Missing format_quality for: webp');
    expect(optionFailure('fq:nope:1')[1]).toBe('Invalid image format: nope');
    expect(optionFailure('fq:png:101')[1]).toBe(
      'Invalid format_quality.png: 101 (expected number in range 0-100)',
    );
  });

  it('max_bytes, format, skip_processing', () => {
    expect(opts('mb:1024').maxBytes).toBe(1024);
    expect(optionFailure('mb:-1')[1]).toBe('Invalid max_bytes: -1 (expected positive number or 0)');
    expect(opts('format:webp').format).toBe('webp');
    expect(opts('f:jpg').format).toBe('jpeg');
    expect(opts('ext:avif').format).toBe('avif');
    for (const f of ['jpeg', 'png', 'webp', 'avif', 'gif', 'tiff', 'svg', 'heic', 'bmp', 'ico', 'jxl']) {
      expect(opts(`f:${f}`).format).toBe(f);
    }
    expect(optionFailure('f:tif')[1]).toBe('Invalid format: tif (expected supported image format)');
    expect(optionFailure('f:PNG')[0]).toBe(404);
    expect(opts('skp:jpg:png').skipProcessingFormats).toEqual(['jpeg', 'png']);
    expect(opts('skp:gif/skp:svg').skipProcessingFormats).toEqual(['gif', 'svg']);
    expect(optionFailure('skp:jpg:png:bad_format')[1]).toBe(
      'Invalid image format in skip_processing: bad_format',
    );
  });

  it('cachebuster', () => {
    expect(opts('cachebuster:123').cacheBuster).toBe('123');
    expect(opts('cb:1/cb:').cacheBuster).toBe('');
    expect(optionFailure('cb:1:2')[1]).toBe('Invalid cachebuster arguments: [1 2]');
  });

  it('expires, against the time given', () => {
    const now = new Date('2024-01-01T00:00:00Z');
    expect(opts('exp:32503669200').expires).toBe(32503669200);
    expect(opts('exp:1704067200', {}, now).expires).toBe(1704067200);
    expect(opts('exp:0').expires).toBe(0);
    expect(opts('exp:-5').expires).toBe(-5);
    const err = (() => {
      try {
        opts('exp:1704067199', {}, now);
      } catch (e) {
        return e as { status: number; code: string; publicMessage: string };
      }
    })();
    expect(err).toMatchObject({ status: 404, code: 'EXPIRED_URL', publicMessage: 'Expired URL' });
    expect(optionFailure('exp:1609448400')).toEqual([404, 'Expired URL']);
    expect(optionFailure('exp:soon')[1]).toBe('Invalid expires: soon (expected unix timestamp)');
  });

  it('filename, plain or base64', () => {
    expect(opts('filename:my-image').filename).toBe('my-image');
    expect(opts('fn:my%20image').filename).toBe('my%20image');
    expect(opts(`fn:${Buffer.from('ünïcødé/😀.jpg').toString('base64url')}:1`).filename).toBe(
      'ünïcødé/😀.jpg',
    );
    expect(opts(`fn:${Buffer.from('a').toString('base64')}:true`).filename).toBe('a');
    expect(opts('fn:aGk:0').filename).toBe('aGk');
    expect(optionFailure('fn:***:1')[1]).toBe(
      'Invalid filename: *** (expected URL-safe base64-encoded string)',
    );
    expect(optionFailure('fn:a:1:2')[1]).toBe('Invalid filename arguments: [a 1 2]');
  });
});

describe('security options', () => {
  const allowed = { allowSecurityOptions: true };

  it('are refused with 403 unless allowed', () => {
    for (const o of ['msr:1', 'msfs:1', 'maf:1', 'mafr:1', 'mrd:1', 'max_src_resolution:1']) {
      expect(optionFailure(o)).toEqual([403, 'Security processing options are not allowed']);
    }
  });

  it('parse when allowed', () => {
    const o = opts('msr:2.5/msfs:1000/maf:10/mafr:0.5/mrd:4000', allowed);
    expect(o.security).toEqual({
      maxSrcResolution: 2_500_000,
      maxSrcFileSize: 1000,
      maxAnimationFrames: 10,
      maxAnimationFrameResolution: 500_000,
      maxResultDimension: 4000,
    });
    expect(optionFailure('maf:0', allowed)[1]).toBe(
      'Invalid max_animation_frames: 0 (expected positive number)',
    );
    expect(optionFailure('msr:-1', allowed)[1]).toBe(
      'Invalid max_src_resolution: -1 (expected positive number or 0)',
    );
    expect(optionFailure('msfs:x', allowed)[1]).toBe(
      'Invalid max_src_file_size: x (expected integer number)',
    );
  });
});

describe('cache options (imgproxy Pro)', () => {
  it('bypass_cache only when allowed, refused like a forbidden option otherwise', () => {
    expect(opts('bypass_cache:1', { allowBypassCache: true }).bypassCache).toBe(true);
    expect(opts('bc:t', { allowBypassCache: true }).bypassCache).toBe(true);
    expect(optionFailure('bc:1')).toEqual([404, 'Forbidden processing option bc']);
  });

  it('cache_tags', () => {
    expect(opts('cache_tags:a:b:c').cacheTags).toEqual(['a', 'b', 'c']);
    expect(opts('ct:a/ct:b::c').cacheTags).toEqual(['b', 'c']);
  });
});

describe('unknown and forbidden options', () => {
  it('are 404 with imgproxy’s message', () => {
    expect(optionFailure('nope:1')).toEqual([404, 'Unknown processing option nope']);
    expect(optionFailure('Width:1')).toEqual([404, 'Unknown processing option Width']);
  });

  it('IMGPROXY_ALLOWED_PROCESSING_OPTIONS (imgproxy’s cases)', () => {
    const init = { allowedProcessingOptions: ['w', 'h', 'pr'], presets: ['test1=blur:0.2'] };
    const b64 = Buffer.from(`${SOURCE}?param=value`).toString('base64url');
    const run = (o: string) => parse(`/${o}/${b64}.png`, init);
    expect(() => run('w:100/h:200')).not.toThrow();
    expect(() => run('w:100/h:200/pr:test1')).not.toThrow();
    expect(run('w:100/h:200/pr:test1').options.blur).toBe(0.2);
    expect(optionFailure('w:100/h:200/blur:10', init)).toEqual([404, 'Forbidden processing option blur']);
    expect(optionFailure('w:100/h:200/pr:test1/blur:10', init)).toEqual([
      404,
      'Forbidden processing option blur',
    ]);
    // Names are matched as written.
    expect(optionFailure('width:100', init)).toEqual([404, 'Forbidden processing option width']);
  });
});

describe('number parsing', () => {
  it('reads the decimal forms Go reads, and stays fast on long input', () => {
    expect(opts('bl:1.').blur).toBe(1);
    expect(opts('bl:.5').blur).toBe(0.5);
    expect(opts('bl:+1e1').blur).toBe(10);
    expect(opts('dpr:2E-1').dpr).toBe(0.2);
    for (const bad of ['1e', 'e1', '1..2', '0x10', 'Inf', '1_0', ' 1']) {
      expect(optionFailure(`bl:${bad}`)[0], bad).toBe(404);
    }
    const long = `${'1'.repeat(20000)}x`;
    expect(optionFailure(`bl:${long}`)[0]).toBe(404);
    expect(optionFailure(`w:${'9'.repeat(30)}`)[0]).toBe(404);
  });
});
