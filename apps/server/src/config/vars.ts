import { availableParallelism } from 'node:os';
import { IMAGE_FORMATS } from '@tintype/url';
import type { VarType } from './types.js';
import {
  bind,
  bool,
  dateTime,
  float,
  int,
  list,
  listOf,
  mapOf,
  megapixels,
  oneOf,
  seconds,
  string,
  url,
} from './types.js';

/**
 * Every setting Tintype reads, declared once: name, type, default, group and a line of help.
 * Names, types and defaults are imgproxy's (v4); `own: true` marks Tintype's additions, which use
 * the same prefix and style. The configuration reference in docs/ is generated from this table.
 */
export interface VarSpec<T> {
  type: VarType<T>;
  default: T;
  group: string;
  help: string;
  own?: boolean;
}

const v = <T>(type: VarType<T>, dflt: T, group: string, help: string, own = false): VarSpec<T> => ({
  type,
  default: dflt,
  group,
  help,
  own,
});

const SERVER = 'Server';
const SECURITY = 'Security';
const URLS = 'URL signing and parsing';
const SOURCES = 'Sources';
const PROCESSING = 'Processing';
const FORMATS = 'Formats and encoding';
const HEADERS = 'Response headers';
const AUX = 'Watermark and fallback image';
const CACHE = 'Internal cache';
const OBSERVE = 'Metrics and logs';

const formats = listOf(IMAGE_FORMATS);
const quality = int({ min: 0, max: 100 });

export const VARS = {
  // Server
  IMGPROXY_BIND: v(bind, ':8080', SERVER, 'Address and port (or unix socket path) to listen on.'),
  IMGPROXY_NETWORK: v(oneOf(['tcp', 'tcp4', 'tcp6', 'unix']), 'tcp', SERVER, 'Network to listen on.'),
  IMGPROXY_PATH_PREFIX: v(string, '', SERVER, 'URL path prefix, e.g. `/imgproxy`.'),
  IMGPROXY_MAX_CLIENTS: v(
    int({ min: 0 }),
    2048,
    SERVER,
    'Maximum simultaneous connections (more are closed at once); 0 = unlimited.',
  ),
  IMGPROXY_TIMEOUT: v(seconds({ min: 1 }), 10, SERVER, 'Deadline for a whole request, queueing included.'),
  IMGPROXY_READ_REQUEST_TIMEOUT: v(
    seconds({ min: 1 }),
    10,
    SERVER,
    'Deadline for reading a request, headers and body.',
  ),
  IMGPROXY_WRITE_RESPONSE_TIMEOUT: v(
    seconds({ min: 1 }),
    10,
    SERVER,
    'Deadline for writing the response, from its first byte.',
  ),
  IMGPROXY_KEEP_ALIVE_TIMEOUT: v(
    seconds({ min: 0 }),
    10,
    SERVER,
    'Idle keep-alive timeout; 0 disables keep-alive.',
  ),
  IMGPROXY_GRACEFUL_STOP_TIMEOUT: v(
    seconds({ min: 0 }),
    20,
    SERVER,
    'Time in-flight requests get after SIGTERM.',
  ),
  IMGPROXY_SO_REUSEPORT: v(
    bool,
    false,
    SERVER,
    'Let several processes share the listening port (Node 22.12+; older Node warns and ignores it).',
  ),
  IMGPROXY_PROCESSES: v(
    int({ min: 0 }),
    0,
    SERVER,
    'Processes serving requests on the one port (node:cluster); 0 = one per CPU when the internal cache is on, else 1. They split IMGPROXY_WORKERS, IMGPROXY_MAX_CLIENTS, IMGPROXY_REQUESTS_QUEUE_SIZE and the memory sizes between them.',
    true,
  ),
  IMGPROXY_WORKERS: v(
    int({ min: 1 }),
    availableParallelism() * 2,
    SERVER,
    'Images processed at once (default: 2 × CPUs).',
  ),
  IMGPROXY_PIXEL_WORKERS: v(
    int({ min: 0 }),
    0,
    SERVER,
    'Of the IMGPROXY_WORKERS, how many may decode, resize and encode at the same moment; the others download their source or wait. 0 = one per CPU.',
    true,
  ),
  IMGPROXY_PIXEL_WORKERS_MEMORY: v(
    int({ min: 0 }),
    0,
    SERVER,
    'Megabytes the images inside sharp may hold decoded at once, each estimated from its header (a progressive JPEG keeps 3–6 bytes per pixel until its last scan, a baseline JPEG streams); an image that would pass it waits for others to finish, unless it is alone. 0 = no budget.',
    true,
  ),
  IMGPROXY_REQUESTS_QUEUE_SIZE: v(
    int({ min: 0 }),
    0,
    SERVER,
    'Requests allowed to wait for a worker; 0 = unlimited.',
  ),
  IMGPROXY_HEALTH_CHECK_PATH: v(string, '', SERVER, 'Extra path answering like `/health`.'),
  IMGPROXY_SECRET: v(string, '', SERVER, 'If set, requests need `Authorization: Bearer <secret>`.'),
  IMGPROXY_ALLOW_ORIGIN: v(string, '', SERVER, 'Value of `Access-Control-Allow-Origin` (CORS).'),
  IMGPROXY_DEVELOPMENT_ERRORS_MODE: v(
    bool,
    false,
    SERVER,
    'Show error details in responses. Never in production.',
  ),
  IMGPROXY_ENV_LOCAL_FILE_PATH: v(
    string,
    '',
    SERVER,
    'A `.env` file to load before reading the environment.',
  ),
  TINTYPE_PLAYGROUND: v(
    bool,
    false,
    SERVER,
    'Serve a playground at `/` to try sources, options and formats.',
    true,
  ),

  // URL signing and parsing
  IMGPROXY_KEY: v(string, '', URLS, 'Hex-encoded signing key(s), comma-separated for rotation.'),
  IMGPROXY_SALT: v(string, '', URLS, 'Hex-encoded salt(s), paired with IMGPROXY_KEY by position.'),
  IMGPROXY_SIGNATURE_SIZE: v(int({ min: 1, max: 32 }), 32, URLS, 'Bytes of the HMAC kept in the signature.'),
  IMGPROXY_TRUSTED_SIGNATURES: v(list, [], URLS, 'Signatures accepted without checking.'),
  IMGPROXY_SOURCE_URL_ENCRYPTION_KEY: v(
    string,
    '',
    URLS,
    'Hex AES key (16/24/32 bytes) for `/enc/` sources.',
  ),
  IMGPROXY_BASE64_URL_INCLUDES_FILENAME: v(
    bool,
    false,
    URLS,
    'Base64 sources end with a `/filename` segment.',
  ),
  IMGPROXY_ARGUMENTS_SEPARATOR: v(string, ':', URLS, 'Separator of option arguments.'),
  IMGPROXY_PRESETS: v(string, '', URLS, 'Presets, `name=options`, separated by IMGPROXY_PRESETS_SEPARATOR.'),
  IMGPROXY_PRESETS_SEPARATOR: v(string, ',', URLS, 'Separator of IMGPROXY_PRESETS entries.'),
  IMGPROXY_PRESETS_PATH: v(string, '', URLS, 'File with one preset per line.'),
  IMGPROXY_ONLY_PRESETS: v(bool, false, URLS, 'The options segment may only name presets.'),
  IMGPROXY_ALLOWED_PROCESSING_OPTIONS: v(list, [], URLS, 'If set, only these options are accepted.'),
  IMGPROXY_ALLOW_SECURITY_OPTIONS: v(bool, false, URLS, 'Allow msr, msfs, maf, mafr and mrd in URLs.'),
  IMGPROXY_BASE_URL: v(string, '', URLS, 'Prefix added to every source URL.'),
  IMGPROXY_URL_REPLACEMENTS: v(
    string,
    '',
    URLS,
    'Regexp replacements on source URLs, `pattern=replacement;...`.',
  ),

  // Security
  IMGPROXY_ALLOWED_SOURCES: v(
    list,
    [],
    SECURITY,
    'Source URL prefixes allowed (`*` wildcards); empty = all.',
  ),
  IMGPROXY_MAX_SRC_RESOLUTION: v(
    megapixels,
    50_000_000,
    SECURITY,
    'Largest source resolution, in megapixels.',
  ),
  IMGPROXY_MAX_SRC_FILE_SIZE: v(int({ min: 0 }), 0, SECURITY, 'Largest source file in bytes; 0 = unlimited.'),
  IMGPROXY_MAX_ANIMATION_FRAMES: v(int({ min: 1 }), 1, SECURITY, 'Frames of an animation processed.'),
  IMGPROXY_MAX_ANIMATION_FRAME_RESOLUTION: v(
    megapixels,
    0,
    SECURITY,
    'Largest animation frame; 0 = no limit.',
  ),
  IMGPROXY_MAX_RESULT_DIMENSION: v(
    int({ min: 0 }),
    0,
    SECURITY,
    'Largest result width or height; 0 = unlimited.',
  ),
  IMGPROXY_MAX_REDIRECTS: v(int({ min: 0 }), 10, SECURITY, 'Redirects followed when fetching a source.'),
  IMGPROXY_ALLOW_LOOPBACK_SOURCE_ADDRESSES: v(bool, false, SECURITY, 'Allow sources on loopback addresses.'),
  IMGPROXY_ALLOW_LINK_LOCAL_SOURCE_ADDRESSES: v(
    bool,
    false,
    SECURITY,
    'Allow sources on link-local addresses.',
  ),
  IMGPROXY_ALLOW_PRIVATE_SOURCE_ADDRESSES: v(bool, true, SECURITY, 'Allow sources on private addresses.'),
  IMGPROXY_SANITIZE_SVG: v(bool, true, SECURITY, 'Remove scripts and event handlers from SVG sources.'),
  IMGPROXY_SVG_UNLIMITED: v(bool, false, SECURITY, 'Lift the 10 MB limit on SVG sources.'),

  // Sources
  IMGPROXY_DOWNLOAD_TIMEOUT: v(seconds({ min: 1 }), 5, SOURCES, 'Deadline for downloading a whole source.'),
  IMGPROXY_USER_AGENT: v(string, 'imgproxy/4.0 (Tintype)', SOURCES, 'User-Agent sent to sources.'),
  IMGPROXY_IGNORE_SSL_VERIFICATION: v(bool, false, SOURCES, 'Accept any TLS certificate from sources.'),
  IMGPROXY_CLIENT_KEEP_ALIVE_TIMEOUT: v(
    seconds({ min: 1 }),
    90,
    SOURCES,
    'Idle time of kept-alive source connections.',
  ),
  IMGPROXY_SOURCE_URL_QUERY_SEPARATOR: v(
    string,
    '?',
    SOURCES,
    'Separator of the query in storage source URLs.',
  ),
  IMGPROXY_COOKIE_PASSTHROUGH: v(bool, false, SOURCES, 'Forward request cookies to sources.'),
  IMGPROXY_COOKIE_BASE_URL: v(string, '', SOURCES, 'Scope forwarded cookies as if set for this URL.'),
  IMGPROXY_COOKIE_PASSTHROUGH_ALL: v(bool, false, SOURCES, 'Forward cookies to every source, unscoped.'),
  IMGPROXY_LOCAL_FILESYSTEM_ROOT: v(string, '', SOURCES, 'Root for `local://` sources; empty disables them.'),
  IMGPROXY_USE_S3: v(bool, false, SOURCES, 'Enable `s3://` sources.'),
  IMGPROXY_S3_REGION: v(string, '', SOURCES, 'S3 region for sources.'),
  IMGPROXY_S3_ENDPOINT: v(string, '', SOURCES, 'S3 endpoint for sources.'),
  IMGPROXY_S3_ENDPOINT_USE_PATH_STYLE: v(bool, true, SOURCES, 'Path-style S3 addressing for sources.'),
  IMGPROXY_S3_ASSUME_ROLE_ARN: v(string, '', SOURCES, 'IAM role to assume for S3 sources.'),
  IMGPROXY_S3_ASSUME_ROLE_EXTERNAL_ID: v(string, '', SOURCES, 'External ID for the assumed role.'),
  IMGPROXY_S3_ALLOWED_BUCKETS: v(list, [], SOURCES, 'Only these S3 buckets may be read.'),
  IMGPROXY_S3_DENIED_BUCKETS: v(list, [], SOURCES, 'These S3 buckets may not be read.'),
  IMGPROXY_USE_GCS: v(bool, false, SOURCES, 'Enable `gs://` sources.'),
  IMGPROXY_GCS_KEY: v(string, '', SOURCES, 'GCS service account key (JSON) for sources.'),
  IMGPROXY_GCS_ENDPOINT: v(string, '', SOURCES, 'GCS endpoint for sources.'),
  IMGPROXY_GCS_ALLOWED_BUCKETS: v(list, [], SOURCES, 'Only these GCS buckets may be read.'),
  IMGPROXY_GCS_DENIED_BUCKETS: v(list, [], SOURCES, 'These GCS buckets may not be read.'),
  IMGPROXY_USE_ABS: v(bool, false, SOURCES, 'Enable `abs://` sources.'),
  IMGPROXY_ABS_NAME: v(string, '', SOURCES, 'Azure storage account name for sources.'),
  IMGPROXY_ABS_KEY: v(string, '', SOURCES, 'Azure storage account key for sources.'),
  IMGPROXY_ABS_ENDPOINT: v(string, '', SOURCES, 'Azure Blob endpoint for sources.'),
  IMGPROXY_ABS_ALLOWED_BUCKETS: v(list, [], SOURCES, 'Only these Azure containers may be read.'),
  IMGPROXY_ABS_DENIED_BUCKETS: v(list, [], SOURCES, 'These Azure containers may not be read.'),
  IMGPROXY_USE_SWIFT: v(bool, false, SOURCES, 'Enable `swift://` sources.'),
  IMGPROXY_SWIFT_USERNAME: v(string, '', SOURCES, 'Swift user for sources.'),
  IMGPROXY_SWIFT_API_KEY: v(string, '', SOURCES, 'Swift API key for sources.'),
  IMGPROXY_SWIFT_AUTH_URL: v(string, '', SOURCES, 'Swift auth URL for sources.'),
  IMGPROXY_SWIFT_AUTH_VERSION: v(
    int({ min: 0, max: 3 }),
    0,
    SOURCES,
    'Swift auth version (0 = detect, 1, 3).',
  ),
  IMGPROXY_SWIFT_TENANT: v(string, '', SOURCES, 'Swift tenant (project) for Keystone v3.'),
  IMGPROXY_SWIFT_DOMAIN: v(string, '', SOURCES, 'Swift domain for Keystone v3.'),
  IMGPROXY_SWIFT_TIMEOUT_SECONDS: v(seconds({ min: 1 }), 60, SOURCES, 'Swift request timeout.'),
  IMGPROXY_SWIFT_CONNECT_TIMEOUT_SECONDS: v(seconds({ min: 1 }), 10, SOURCES, 'Swift connect timeout.'),
  IMGPROXY_SWIFT_ALLOWED_BUCKETS: v(list, [], SOURCES, 'Only these Swift containers may be read.'),
  IMGPROXY_SWIFT_DENIED_BUCKETS: v(list, [], SOURCES, 'These Swift containers may not be read.'),

  // Processing
  IMGPROXY_QUALITY: v(quality, 80, PROCESSING, 'Default quality of lossy formats.'),
  IMGPROXY_FORMAT_QUALITY: v(
    mapOf(quality, IMAGE_FORMATS),
    { webp: 79, avif: 63, jxl: 77 },
    PROCESSING,
    'Per-format default quality, e.g. `webp=79,avif=63`.',
  ),
  IMGPROXY_AUTO_ROTATE: v(bool, true, PROCESSING, 'Rotate by the EXIF orientation.'),
  IMGPROXY_STRIP_METADATA: v(bool, true, PROCESSING, 'Strip metadata from results.'),
  IMGPROXY_KEEP_COPYRIGHT: v(bool, true, PROCESSING, 'Keep copyright when stripping metadata.'),
  IMGPROXY_STRIP_COLOR_PROFILE: v(bool, true, PROCESSING, 'Convert to sRGB and drop the ICC profile.'),
  IMGPROXY_ENFORCE_THUMBNAIL: v(bool, false, PROCESSING, 'Use the embedded thumbnail when there is one.'),
  IMGPROXY_PRESERVE_HDR: v(bool, false, PROCESSING, 'Keep high bit depth when the format allows.'),
  IMGPROXY_USE_LINEAR_COLORSPACE: v(bool, false, PROCESSING, 'Resize in linear light.'),
  IMGPROXY_DISABLE_SHRINK_ON_LOAD: v(bool, false, PROCESSING, 'Decode at full size before resizing.'),
  IMGPROXY_ALWAYS_RASTERIZE_SVG: v(bool, false, PROCESSING, 'Rasterize SVG even when SVG is asked for.'),
  IMGPROXY_SKIP_PROCESSING_FORMATS: v(formats, [], PROCESSING, 'Source formats returned unprocessed.'),
  IMGPROXY_WATERMARK_OPACITY: v(float({ min: 0, max: 1 }), 1, PROCESSING, 'Base watermark opacity.'),

  // Formats and encoding
  IMGPROXY_PREFERRED_FORMATS: v(
    formats,
    ['jpeg', 'png', 'gif'],
    FORMATS,
    'Formats results are saved in when none is asked.',
  ),
  IMGPROXY_AUTO_WEBP: v(bool, false, FORMATS, 'Answer WebP to clients that accept it.'),
  IMGPROXY_ENFORCE_WEBP: v(bool, false, FORMATS, 'As AUTO_WEBP, even over an explicit format.'),
  IMGPROXY_AUTO_AVIF: v(bool, false, FORMATS, 'Answer AVIF to clients that accept it.'),
  IMGPROXY_ENFORCE_AVIF: v(bool, false, FORMATS, 'As AUTO_AVIF, even over an explicit format.'),
  IMGPROXY_ENABLE_CLIENT_HINTS: v(bool, false, FORMATS, 'Use DPR and Width client hints.'),
  IMGPROXY_JPEG_PROGRESSIVE: v(bool, false, FORMATS, 'Save progressive JPEG.'),
  IMGPROXY_PNG_INTERLACED: v(bool, false, FORMATS, 'Save interlaced PNG.'),
  IMGPROXY_PNG_QUANTIZE: v(bool, false, FORMATS, 'Quantize PNG to a palette.'),
  IMGPROXY_PNG_QUANTIZATION_COLORS: v(
    int({ min: 2, max: 256 }),
    256,
    FORMATS,
    'Palette size for quantized PNG.',
  ),
  IMGPROXY_WEBP_EFFORT: v(int({ min: 0, max: 6 }), 4, FORMATS, 'WebP encoder effort.'),
  IMGPROXY_WEBP_PRESET: v(
    oneOf(['default', 'photo', 'picture', 'drawing', 'icon', 'text']),
    'default',
    FORMATS,
    'WebP encoder preset.',
  ),
  IMGPROXY_AVIF_SPEED: v(int({ min: 0, max: 9 }), 8, FORMATS, 'AVIF encoder speed (0 slowest, 9 fastest).'),

  // Response headers
  IMGPROXY_TTL: v(int({ min: 0 }), 31_536_000, HEADERS, '`Cache-Control: max-age` of results, seconds.'),
  IMGPROXY_CACHE_CONTROL_PASSTHROUGH: v(
    bool,
    false,
    HEADERS,
    "Pass the source's Cache-Control/Expires through.",
  ),
  IMGPROXY_SET_CANONICAL_HEADER: v(bool, false, HEADERS, 'Send `Link: <source>; rel="canonical"`.'),
  IMGPROXY_USE_ETAG: v(bool, true, HEADERS, 'Send ETag and answer If-None-Match with 304.'),
  IMGPROXY_ETAG_BUSTER: v(string, '', HEADERS, 'Change to invalidate every ETag.'),
  IMGPROXY_USE_LAST_MODIFIED: v(bool, true, HEADERS, 'Send Last-Modified and answer If-Modified-Since.'),
  IMGPROXY_LAST_MODIFIED_BUSTER: v(dateTime, 0, HEADERS, 'Last-Modified is never older than this time.'),
  IMGPROXY_ENABLE_DEBUG_HEADERS: v(
    bool,
    false,
    HEADERS,
    'Send X-Origin-Width/Height, X-Result-Width/Height, X-Cache.',
  ),

  // Watermark and fallback image
  IMGPROXY_WATERMARK_DATA: v(string, '', AUX, 'Watermark image, base64.'),
  IMGPROXY_WATERMARK_PATH: v(string, '', AUX, 'Watermark image file.'),
  IMGPROXY_WATERMARK_URL: v(url, '', AUX, 'Watermark image URL.'),
  IMGPROXY_FALLBACK_IMAGE_DATA: v(string, '', AUX, 'Image served when the source fails, base64.'),
  IMGPROXY_FALLBACK_IMAGE_PATH: v(string, '', AUX, 'Fallback image file.'),
  IMGPROXY_FALLBACK_IMAGE_URL: v(url, '', AUX, 'Fallback image URL.'),
  IMGPROXY_FALLBACK_IMAGE_HTTP_CODE: v(
    int({ min: 0, max: 599 }),
    200,
    AUX,
    'Status of fallback responses; 0 = the error status.',
  ),
  IMGPROXY_FALLBACK_IMAGE_TTL: v(int({ min: 0 }), 0, AUX, 'max-age of fallback responses; 0 = IMGPROXY_TTL.'),

  // Internal cache (imgproxy Pro's names)
  IMGPROXY_CACHE_USE: v(
    oneOf(['', 'fs', 's3', 'gcs', 'abs', 'swift']),
    '',
    CACHE,
    'Cache backend; empty = no cache.',
  ),
  IMGPROXY_CACHE_PATH_PREFIX: v(string, '', CACHE, 'Prefix of every cache object name.'),
  IMGPROXY_CACHE_BUCKET: v(
    string,
    '',
    CACHE,
    'Bucket/container of the cache (for fs: an extra path component).',
  ),
  IMGPROXY_CACHE_KEY_HEADERS: v(list, [], CACHE, 'Request headers whose values are part of the cache key.'),
  IMGPROXY_CACHE_KEY_COOKIES: v(list, [], CACHE, 'Request cookies whose values are part of the cache key.'),
  IMGPROXY_CACHE_REPORT_ERRORS: v(bool, false, CACHE, 'Fail requests when the cache backend fails.'),
  IMGPROXY_ALLOW_BYPASS_CACHE: v(bool, false, CACHE, 'Allow the `bypass_cache` option.'),
  IMGPROXY_CACHE_TAGS_FORMAT: v(
    oneOf(['all', 'cloudfront', 'cloudflare', 'none']),
    'all',
    CACHE,
    'Headers that carry `cache_tags`.',
  ),
  IMGPROXY_PURGE_SECRET: v(
    string,
    '',
    CACHE,
    'Secret of the purge endpoint (`Authorization: Bearer <secret>`); empty = no endpoint.',
    true,
  ),
  IMGPROXY_CACHE_MEMORY_SIZE: v(
    int({ min: 0 }),
    64,
    CACHE,
    'Megabytes of results kept in memory in front of the backend; 0 = off.',
    true,
  ),
  IMGPROXY_CACHE_SOURCE_SIZE: v(
    int({ min: 0 }),
    32,
    CACHE,
    'Megabytes of downloaded sources kept for a short time, so variants of one source download it once; 0 = off.',
    true,
  ),
  IMGPROXY_CACHE_SOURCE_TTL: v(
    seconds({ min: 1 }),
    10,
    CACHE,
    'How long a downloaded source is reused for other variants.',
    true,
  ),
  IMGPROXY_CACHE_FS_ROOT: v(string, '', CACHE, 'Directory of the fs cache.'),
  IMGPROXY_CACHE_FS_MAX_SIZE: v(
    int({ min: 0 }),
    0,
    CACHE,
    'Megabytes the fs cache may hold; least recently used entries are evicted past it. 0 = unbounded.',
    true,
  ),
  IMGPROXY_CACHE_S3_REGION: v(string, '', CACHE, 'S3 region of the cache.'),
  IMGPROXY_CACHE_S3_ENDPOINT: v(string, '', CACHE, 'S3 endpoint of the cache.'),
  IMGPROXY_CACHE_S3_ENDPOINT_USE_PATH_STYLE: v(bool, true, CACHE, 'Path-style S3 addressing for the cache.'),
  IMGPROXY_CACHE_S3_ASSUME_ROLE_ARN: v(string, '', CACHE, 'IAM role to assume for the cache.'),
  IMGPROXY_CACHE_S3_ASSUME_ROLE_EXTERNAL_ID: v(string, '', CACHE, 'External ID for the assumed role.'),
  IMGPROXY_CACHE_GCS_KEY: v(string, '', CACHE, 'GCS service account key (JSON) of the cache.'),
  IMGPROXY_CACHE_GCS_ENDPOINT: v(string, '', CACHE, 'GCS endpoint of the cache.'),
  IMGPROXY_CACHE_ABS_NAME: v(string, '', CACHE, 'Azure storage account of the cache.'),
  IMGPROXY_CACHE_ABS_KEY: v(string, '', CACHE, 'Azure storage account key of the cache.'),
  IMGPROXY_CACHE_ABS_ENDPOINT: v(string, '', CACHE, 'Azure Blob endpoint of the cache.'),
  IMGPROXY_CACHE_SWIFT_USERNAME: v(string, '', CACHE, 'Swift user of the cache.'),
  IMGPROXY_CACHE_SWIFT_API_KEY: v(string, '', CACHE, 'Swift API key of the cache.'),
  IMGPROXY_CACHE_SWIFT_AUTH_URL: v(string, '', CACHE, 'Swift auth URL of the cache.'),
  IMGPROXY_CACHE_SWIFT_AUTH_VERSION: v(int({ min: 0, max: 3 }), 0, CACHE, 'Swift auth version (0 = detect).'),
  IMGPROXY_CACHE_SWIFT_TENANT: v(string, '', CACHE, 'Swift tenant (project) of the cache.'),
  IMGPROXY_CACHE_SWIFT_DOMAIN: v(string, '', CACHE, 'Swift domain of the cache.'),
  IMGPROXY_CACHE_SWIFT_TIMEOUT_SECONDS: v(
    seconds({ min: 1 }),
    60,
    CACHE,
    'Swift request timeout for the cache.',
  ),
  IMGPROXY_CACHE_SWIFT_CONNECT_TIMEOUT_SECONDS: v(
    seconds({ min: 1 }),
    10,
    CACHE,
    'Swift connect timeout for the cache.',
  ),

  // Metrics and logs
  IMGPROXY_LOG_FORMAT: v(
    oneOf(['pretty', 'structured', 'json', 'gcp']),
    'structured',
    OBSERVE,
    'Log line format.',
  ),
  IMGPROXY_LOG_LEVEL: v(oneOf(['debug', 'info', 'warn', 'error']), 'info', OBSERVE, 'Lowest level logged.'),
  IMGPROXY_PROMETHEUS_BIND: v(
    string,
    '',
    OBSERVE,
    'Address of the Prometheus metrics listener; empty = off.',
  ),
  IMGPROXY_PROMETHEUS_NAMESPACE: v(string, '', OBSERVE, 'Prefix of metric names.'),
  IMGPROXY_OPEN_TELEMETRY_ENABLE: v(
    bool,
    false,
    OBSERVE,
    'Export a trace of every processing request over OTLP/HTTP.',
  ),
  OTEL_EXPORTER_OTLP_ENDPOINT: v(
    url,
    'http://localhost:4318',
    OBSERVE,
    'OTLP/HTTP collector; traces go to `<endpoint>/v1/traces`.',
  ),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: v(
    url,
    '',
    OBSERVE,
    'Full URL traces are sent to, overriding the one above.',
  ),
  OTEL_EXPORTER_OTLP_PROTOCOL: v(
    oneOf(['http/protobuf', 'http/json']),
    'http/protobuf',
    OBSERVE,
    'OTLP encoding; gRPC is not supported.',
  ),
  OTEL_EXPORTER_OTLP_HEADERS: v(
    string,
    '',
    OBSERVE,
    'Headers sent with every export, `key=value` pairs separated by commas.',
  ),
  OTEL_EXPORTER_OTLP_TIMEOUT: v(int({ min: 1 }), 10_000, OBSERVE, 'Export timeout, milliseconds.'),
  OTEL_SERVICE_NAME: v(string, 'imgproxy', OBSERVE, '`service.name` of the exported spans.'),
  OTEL_PROPAGATORS: v(
    listOf(['tracecontext', 'baggage', 'none']),
    ['tracecontext', 'baggage'],
    OBSERVE,
    'Trace context read from request headers.',
  ),
} satisfies Record<string, VarSpec<unknown>>;

export type VarName = keyof typeof VARS;
export type Config = { readonly [K in VarName]: (typeof VARS)[K]['default'] };
