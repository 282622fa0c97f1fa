import { describe, expect, it } from 'vitest';
import { createPipelineSettings, DEFAULT_PIPELINE_SETTINGS } from './settings.js';

describe('createPipelineSettings', () => {
  it("has imgproxy's defaults", () => {
    expect(createPipelineSettings()).toEqual({
      quality: 80,
      formatQuality: { webp: 79, avif: 63, jxl: 77 },
      jpegProgressive: false,
      pngInterlaced: false,
      pngQuantize: false,
      pngQuantizationColors: 256,
      webpEffort: 4,
      webpPreset: 'default',
      avifSpeed: 8,
      useLinearColorspace: false,
      disableShrinkOnLoad: false,
      sanitizeSvg: true,
      watermark: null,
      watermarkOpacity: 1,
    });
  });

  it('merges format qualities with the defaults', () => {
    expect(createPipelineSettings({ formatQuality: { webp: 50 } }).formatQuality).toEqual({
      webp: 50,
      avif: 63,
      jxl: 77,
    });
    expect(DEFAULT_PIPELINE_SETTINGS.formatQuality.webp).toBe(79);
  });

  it('checks ranges as imgproxy does', () => {
    expect(() => createPipelineSettings({ quality: 0 })).toThrow(/quality/);
    expect(() => createPipelineSettings({ formatQuality: { avif: 101 } })).toThrow(/formatQuality.avif/);
    expect(() => createPipelineSettings({ pngQuantizationColors: 1 })).toThrow(/pngQuantizationColors/);
    expect(() => createPipelineSettings({ webpEffort: 7 })).toThrow(/webpEffort/);
    expect(() => createPipelineSettings({ avifSpeed: 10 })).toThrow(/avifSpeed/);
    expect(() => createPipelineSettings({ watermarkOpacity: 0 })).toThrow(/watermarkOpacity/);
    expect(() => createPipelineSettings({ webpPreset: 'fancy' as 'default' })).toThrow(/webpPreset/);
  });
});
