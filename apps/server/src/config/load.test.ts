import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, loadEnvFile } from './load.js';

describe('loadConfig', () => {
  it("uses imgproxy's defaults when nothing is set", () => {
    const { config } = loadConfig({});
    expect(config.IMGPROXY_BIND).toBe(':8080');
    expect(config.IMGPROXY_TTL).toBe(31_536_000);
    expect(config.IMGPROXY_QUALITY).toBe(80);
    expect(config.IMGPROXY_FORMAT_QUALITY).toEqual({ webp: 79, avif: 63, jxl: 77 });
    expect(config.IMGPROXY_MAX_SRC_RESOLUTION).toBe(50_000_000);
    expect(config.IMGPROXY_ALLOW_PRIVATE_SOURCE_ADDRESSES).toBe(true);
    expect(config.IMGPROXY_PREFERRED_FORMATS).toEqual(['jpeg', 'png', 'gif']);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('parses values the way imgproxy does', () => {
    const { config } = loadConfig({
      IMGPROXY_BIND: '127.0.0.1:9000',
      IMGPROXY_MAX_SRC_RESOLUTION: '16.8',
      IMGPROXY_ENFORCE_WEBP: 't',
      IMGPROXY_FORMAT_QUALITY: 'webp=70, avif=40',
      IMGPROXY_PREFERRED_FORMATS: 'webp,png',
      IMGPROXY_DOWNLOAD_TIMEOUT: '7',
    });
    expect(config.IMGPROXY_BIND).toBe('127.0.0.1:9000');
    expect(config.IMGPROXY_MAX_SRC_RESOLUTION).toBe(16_800_000);
    expect(config.IMGPROXY_ENFORCE_WEBP).toBe(true);
    expect(config.IMGPROXY_FORMAT_QUALITY).toEqual({ webp: 70, avif: 40 });
    expect(config.IMGPROXY_PREFERRED_FORMATS).toEqual(['webp', 'png']);
    expect(config.IMGPROXY_DOWNLOAD_TIMEOUT).toBe(7);
  });

  it('names every invalid variable at once', () => {
    try {
      loadConfig({ IMGPROXY_QUALITY: 'high', IMGPROXY_USE_ETAG: 'maybe', IMGPROXY_CACHE_USE: 'redis' });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      const message = (e as Error).message;
      expect(message).toContain('IMGPROXY_QUALITY="high"');
      expect(message).toContain('IMGPROXY_USE_ETAG="maybe"');
      expect(message).toContain('IMGPROXY_CACHE_USE="redis"');
      expect((e as ConfigError).problems).toHaveLength(3);
    }
  });

  it('rejects out-of-range numbers', () => {
    expect(() => loadConfig({ IMGPROXY_QUALITY: '101' })).toThrow(/IMGPROXY_QUALITY.*≤ 100/);
    expect(() => loadConfig({ IMGPROXY_WORKERS: '0' })).toThrow(/IMGPROXY_WORKERS/);
  });

  it('checks rules across variables', () => {
    expect(() => loadConfig({ IMGPROXY_KEY: 'aa,bb', IMGPROXY_SALT: 'cc' })).toThrow(
      /number of keys and number of salts/,
    );
    expect(() => loadConfig({ IMGPROXY_CACHE_USE: 'fs' })).toThrow(/IMGPROXY_CACHE_FS_ROOT/);
    expect(() => loadConfig({ IMGPROXY_CACHE_USE: 's3' })).toThrow(/IMGPROXY_CACHE_BUCKET/);
    expect(() => loadConfig({ IMGPROXY_BIND: ':9', IMGPROXY_PROMETHEUS_BIND: ':9' })).toThrow(
      /IMGPROXY_PROMETHEUS_BIND/,
    );
  });

  it('warns about unknown IMGPROXY_ variables and suggests the likely one', () => {
    const { warnings } = loadConfig({ IMGPROXY_QUALTY: '70', IMGPROXY_SOMETHING_ELSE_ENTIRELY: '1' });
    expect(warnings).toContain(
      'IMGPROXY_QUALTY is not a setting Tintype knows; did you mean IMGPROXY_QUALITY?',
    );
    expect(warnings.some((w) => w.startsWith('IMGPROXY_SOMETHING_ELSE_ENTIRELY is not'))).toBe(true);
  });
});

describe('loadEnvFile', () => {
  it('loads a .env file without overriding what is set', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tintype-env-'));
    const file = join(dir, '.env');
    writeFileSync(file, '# comment\nIMGPROXY_QUALITY=55\nIMGPROXY_TTL="60"\n');
    const env: NodeJS.ProcessEnv = { IMGPROXY_ENV_LOCAL_FILE_PATH: file, IMGPROXY_TTL: '5' };
    loadEnvFile(env);
    expect(env.IMGPROXY_QUALITY).toBe('55');
    expect(env.IMGPROXY_TTL).toBe('5');
  });
});
