import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { FormatSettings, PipelineSettings } from '@tintype/pipeline';
import { createPipelineSettings } from '@tintype/pipeline';
import type { ImageFormat, UrlSettings } from '@tintype/url';
import { createUrlSettings, parseKeyPairs, splitPresetsVariable, wildcardPattern } from '@tintype/url';
import type { RequestHandler } from 'express';
import type { Config } from './config/index.js';
import { landingPage } from './landing.js';
import { createLimiter, type Limiter, pixelMemory, pixelWorkers } from './limiter.js';
import type { Logger } from './logger.js';
import { createMonitoring, type Metrics, type Monitoring } from './metrics/index.js';
import { playgroundPage, playgroundRoutes } from './playground/index.js';
import { createResultCache, type ResultCache } from './result-cache.js';
import { type ReusingSources, withSourceReuse } from './source-reuse.js';
import type { CookieSettings } from './sources/cookies.js';
import { createSources, type SourceFetcher } from './sources/index.js';
import { createCacheStorage } from './storage.js';

/** Everything a request needs, built once from the config at start. */
export interface ServerContext {
  config: Config;
  log: Logger;
  urlSettings: UrlSettings;
  pipelineSettings: PipelineSettings;
  formatSettings: FormatSettings;
  /** Source fetching, with downloads shared between variants (IMGPROXY_CACHE_SOURCE_*). */
  sources: ReusingSources;
  limiter: Limiter;
  /** Images in sharp at once (IMGPROXY_PIXEL_WORKERS), within the limiter's workers. */
  pixels: Limiter;
  /** IMGPROXY_FALLBACK_IMAGE_DATA / _PATH / _URL: served (processed) when a source cannot be fetched. */
  fallbackImage: Buffer | null;
  /** The internal cache, when IMGPROXY_CACHE_USE names a backend. */
  cache?: ResultCache;
  /** Digest of every setting that changes output bytes; part of every cache key. */
  settingsFingerprint: string;
  /** What the request path reports to: Prometheus and tracing, or nothing. */
  metrics: Metrics;
  monitoring: Monitoring;
  allowedSources: RegExp[];
  /** IMGPROXY_COOKIE_*: which client cookies reach a source. */
  cookieSettings: CookieSettings;
  varyClientHints: string[];
  landingPage: string;
  extraRoutes: [string, RequestHandler][];
  close(): Promise<void>;
}

export async function createContext(config: Config, log: Logger): Promise<ServerContext> {
  const sources = withSourceReuse(createSources(config), {
    maxBytes: config.IMGPROXY_CACHE_SOURCE_SIZE * 1024 * 1024,
    ttlMs: config.IMGPROXY_CACHE_SOURCE_TTL * 1000,
  });
  const presets = [
    ...splitPresetsVariable(config.IMGPROXY_PRESETS, config.IMGPROXY_PRESETS_SEPARATOR),
    ...(config.IMGPROXY_PRESETS_PATH
      ? (await readFile(config.IMGPROXY_PRESETS_PATH, 'utf8')).split(/\r?\n/)
      : []),
  ]
    .map((p) => p.trim())
    .filter((p) => p !== '' && !p.startsWith('#'));

  const optionDefaults = {
    quality: config.IMGPROXY_QUALITY,
    formatQuality: config.IMGPROXY_FORMAT_QUALITY as Partial<Record<ImageFormat, number>>,
    stripMetadata: config.IMGPROXY_STRIP_METADATA,
    keepCopyright: config.IMGPROXY_KEEP_COPYRIGHT,
    stripColorProfile: config.IMGPROXY_STRIP_COLOR_PROFILE,
    autoRotate: config.IMGPROXY_AUTO_ROTATE,
    enforceThumbnail: config.IMGPROXY_ENFORCE_THUMBNAIL,
    preserveHdr: config.IMGPROXY_PRESERVE_HDR,
    watermarkOpacity: config.IMGPROXY_WATERMARK_OPACITY,
    skipProcessingFormats: config.IMGPROXY_SKIP_PROCESSING_FORMATS,
    security: {
      maxSrcResolution: config.IMGPROXY_MAX_SRC_RESOLUTION,
      maxSrcFileSize: config.IMGPROXY_MAX_SRC_FILE_SIZE,
      maxAnimationFrames: config.IMGPROXY_MAX_ANIMATION_FRAMES,
      maxAnimationFrameResolution: config.IMGPROXY_MAX_ANIMATION_FRAME_RESOLUTION,
      maxResultDimension: config.IMGPROXY_MAX_RESULT_DIMENSION,
    },
  };

  const urlSettings = createUrlSettings({
    keys: parseKeyPairs(config.IMGPROXY_KEY, config.IMGPROXY_SALT),
    signatureSize: config.IMGPROXY_SIGNATURE_SIZE,
    trustedSignatures: config.IMGPROXY_TRUSTED_SIGNATURES,
    encryptionKey: config.IMGPROXY_SOURCE_URL_ENCRYPTION_KEY,
    pathPrefix: config.IMGPROXY_PATH_PREFIX,
    onlyPresets: config.IMGPROXY_ONLY_PRESETS,
    presets,
    argumentsSeparator: config.IMGPROXY_ARGUMENTS_SEPARATOR,
    allowedProcessingOptions: config.IMGPROXY_ALLOWED_PROCESSING_OPTIONS,
    base64UrlIncludesFilename: config.IMGPROXY_BASE64_URL_INCLUDES_FILENAME,
    baseUrl: config.IMGPROXY_BASE_URL,
    urlReplacements: config.IMGPROXY_URL_REPLACEMENTS,
    allowSecurityOptions: config.IMGPROXY_ALLOW_SECURITY_OPTIONS,
    allowBypassCache: config.IMGPROXY_ALLOW_BYPASS_CACHE,
    optionDefaults,
  });

  const pipelineSettings = createPipelineSettings({
    quality: config.IMGPROXY_QUALITY,
    formatQuality: optionDefaults.formatQuality,
    jpegProgressive: config.IMGPROXY_JPEG_PROGRESSIVE,
    pngInterlaced: config.IMGPROXY_PNG_INTERLACED,
    pngQuantize: config.IMGPROXY_PNG_QUANTIZE,
    pngQuantizationColors: config.IMGPROXY_PNG_QUANTIZATION_COLORS,
    webpEffort: config.IMGPROXY_WEBP_EFFORT,
    webpPreset: config.IMGPROXY_WEBP_PRESET,
    avifSpeed: config.IMGPROXY_AVIF_SPEED,
    useLinearColorspace: config.IMGPROXY_USE_LINEAR_COLORSPACE,
    disableShrinkOnLoad: config.IMGPROXY_DISABLE_SHRINK_ON_LOAD,
    watermarkOpacity: config.IMGPROXY_WATERMARK_OPACITY,
    sanitizeSvg: config.IMGPROXY_SANITIZE_SVG,
    watermark: await loadAuxImage(
      config.IMGPROXY_WATERMARK_DATA,
      config.IMGPROXY_WATERMARK_PATH,
      config.IMGPROXY_WATERMARK_URL,
      sources,
    ),
  });

  const formatSettings: FormatSettings = {
    autoWebp: config.IMGPROXY_AUTO_WEBP,
    enforceWebp: config.IMGPROXY_ENFORCE_WEBP,
    autoAvif: config.IMGPROXY_AUTO_AVIF,
    enforceAvif: config.IMGPROXY_ENFORCE_AVIF,
    preferredFormats: config.IMGPROXY_PREFERRED_FORMATS as ImageFormat[],
    alwaysRasterizeSvg: config.IMGPROXY_ALWAYS_RASTERIZE_SVG,
  };

  const limiter = createLimiter(config.IMGPROXY_WORKERS, config.IMGPROXY_REQUESTS_QUEUE_SIZE);
  const monitoring = await createMonitoring(config, limiter, log);
  const storage = await createCacheStorage(config, {
    onEvict(entries) {
      for (let i = 0; i < entries; i++) monitoring.metrics.cache('eviction', 'fs');
    },
    onEvictionError(e) {
      monitoring.metrics.cache('error', 'fs');
      log.warn({ err: e, backend: 'fs' }, 'cache eviction failed');
    },
  });
  const cache = storage
    ? createResultCache(storage, {
        reportErrors: config.IMGPROXY_CACHE_REPORT_ERRORS,
        memoryBytes: config.IMGPROXY_CACHE_MEMORY_SIZE * 1024 * 1024,
        log,
        metrics: monitoring.metrics,
      })
    : undefined;

  const fallbackImage = await loadAuxImage(
    config.IMGPROXY_FALLBACK_IMAGE_DATA,
    config.IMGPROXY_FALLBACK_IMAGE_PATH,
    config.IMGPROXY_FALLBACK_IMAGE_URL,
    sources,
  );

  return {
    config,
    log,
    fallbackImage,
    urlSettings,
    pipelineSettings,
    formatSettings,
    sources,
    limiter,
    pixels: createLimiter(pixelWorkers(config), 0, pixelMemory(config)),
    cache,
    settingsFingerprint: settingsFingerprint(pipelineSettings, formatSettings),
    metrics: monitoring.metrics,
    monitoring,
    allowedSources: config.IMGPROXY_ALLOWED_SOURCES.map(wildcardPattern),
    cookieSettings: {
      passthrough: config.IMGPROXY_COOKIE_PASSTHROUGH,
      all: config.IMGPROXY_COOKIE_PASSTHROUGH_ALL,
      baseUrl: config.IMGPROXY_COOKIE_BASE_URL,
    },
    varyClientHints: config.IMGPROXY_ENABLE_CLIENT_HINTS
      ? ['Sec-CH-DPR', 'DPR', 'Sec-CH-Width', 'Width']
      : [],
    landingPage: config.TINTYPE_PLAYGROUND ? playgroundPage() : landingPage(),
    extraRoutes: config.TINTYPE_PLAYGROUND ? playgroundRoutes(config, log) : [],
    async close() {
      // Pending cache writes are flushed before anything closes: a graceful stop loses nothing.
      await cache?.close();
      await Promise.all([sources.close?.(), monitoring.stop()]);
    },
  };
}

/**
 * Settings that change output bytes without appearing in the URL. They are part of every cache
 * key, so changing IMGPROXY_QUALITY (say) never serves results made under the old value.
 */
function settingsFingerprint(pipeline: PipelineSettings, formats: FormatSettings): string {
  const { watermark, ...rest } = pipeline;
  return createHash('sha256')
    .update(JSON.stringify([rest, formats]))
    .update(watermark ?? '')
    .digest('base64url');
}

/** The watermark (or fallback) image, from base64 data, a file, or a URL, in that order. */
async function loadAuxImage(
  data: string,
  path: string,
  url: string,
  sources: SourceFetcher,
): Promise<Buffer | null> {
  if (data) return Buffer.from(data, 'base64');
  if (path) return readFile(path);
  if (url) return (await sources.fetch(url, { maxBytes: 0 })).data;
  return null;
}
