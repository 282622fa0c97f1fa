import { describe, expect, it } from 'vitest';
import { colourAt, gridImage, regionAt, run } from '../test-images.js';

describe('extend aspect ratio', () => {
  it('grows only the side needed for the requested ratio', async () => {
    const result = await run(await gridImage(), {
      width: 300,
      height: 300,
      extendAspectRatio: { enabled: true, gravity: { type: 'so', x: 0, y: 0 } },
    });
    expect([result.width, result.height]).toEqual([200, 200]);
    expect((await colourAt(result.data, 100, 50))[3]).toBe(0);
    expect(await regionAt(result.data, 100, 150)).toBe('ce');
    expect(await regionAt(result.data, 5, 195)).toBe('sowe');
  });

  it('does nothing without both sides', async () => {
    const result = await run(await gridImage(), {
      width: 300,
      extendAspectRatio: { enabled: true, gravity: { type: 'ce', x: 0, y: 0 } },
    });
    expect([result.width, result.height]).toEqual([200, 100]);
  });
});
