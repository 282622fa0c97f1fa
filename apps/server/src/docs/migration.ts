import type { VarSpec } from '../config/index.js';
import { VARS } from '../config/index.js';

const ERROR_REPORTERS =
  'Error reporting services are not built in: errors are logged at ERROR and counted in `errors_total`.';
const VENDOR_MONITORING =
  'Vendor agents are not built in: use the Prometheus endpoint or OpenTelemetry traces (their agents read both).';
const SYSLOG = 'Logs go to stdout; forward them with your log collector.';
const SECRET_STORES =
  'Secret stores are not read directly: inject values as environment variables (orchestrator, `IMGPROXY_ENV_LOCAL_FILE_PATH`).';
const JXL = "JPEG XL output is not available: sharp's prebuilt libvips has no JPEG XL encoder.";

/**
 * imgproxy's variables (v4, open source) that Tintype does not read, with the reason. Together with
 * the config table this is the whole migration table, so a variable cannot be forgotten: one that
 * Tintype starts to read moves from here to the config table (a test checks they never overlap).
 */
export const NOT_SUPPORTED: Record<string, string> = {
  IMGPROXY_AIRBRAKE_ENVIRONMENT: ERROR_REPORTERS,
  IMGPROXY_AIRBRAKE_PROJECT_ID: ERROR_REPORTERS,
  IMGPROXY_AIRBRAKE_PROJECT_KEY: ERROR_REPORTERS,
  IMGPROXY_BUGSNAG_KEY: ERROR_REPORTERS,
  IMGPROXY_BUGSNAG_STAGE: ERROR_REPORTERS,
  IMGPROXY_HONEYBADGER_ENV: ERROR_REPORTERS,
  IMGPROXY_HONEYBADGER_KEY: ERROR_REPORTERS,
  IMGPROXY_SENTRY_DSN: ERROR_REPORTERS,
  IMGPROXY_SENTRY_ENVIRONMENT: ERROR_REPORTERS,
  IMGPROXY_SENTRY_RELEASE: ERROR_REPORTERS,
  IMGPROXY_REPORT_DOWNLOADING_ERRORS: ERROR_REPORTERS,
  IMGPROXY_REPORT_IO_ERRORS: ERROR_REPORTERS,
  IMGPROXY_CLOUD_WATCH_NAMESPACE: VENDOR_MONITORING,
  IMGPROXY_CLOUD_WATCH_REGION: VENDOR_MONITORING,
  IMGPROXY_CLOUD_WATCH_SERVICE_NAME: VENDOR_MONITORING,
  IMGPROXY_DATADOG_ENABLE: VENDOR_MONITORING,
  IMGPROXY_DATADOG_ENABLE_ADDITIONAL_METRICS: VENDOR_MONITORING,
  IMGPROXY_DATADOG_PROPAGATE_EXTERNAL: VENDOR_MONITORING,
  IMGPROXY_NEW_RELIC_APP_NAME: VENDOR_MONITORING,
  IMGPROXY_NEW_RELIC_KEY: VENDOR_MONITORING,
  IMGPROXY_NEW_RELIC_LABELS: VENDOR_MONITORING,
  IMGPROXY_NEW_RELIC_PROPAGATE_EXTERNAL: VENDOR_MONITORING,
  IMGPROXY_OPEN_TELEMETRY_ENABLE_METRICS: 'Only traces go over OTLP; metrics are served to Prometheus.',
  IMGPROXY_OPEN_TELEMETRY_ENABLE_LOGS: 'Only traces go over OTLP; logs go to stdout.',
  IMGPROXY_OPEN_TELEMETRY_LOGGER_NAME: 'Only traces go over OTLP; logs go to stdout.',
  IMGPROXY_OPEN_TELEMETRY_SERVER_CERT:
    'No TLS settings for the collector: send to a collector on the same host or network.',
  IMGPROXY_OPEN_TELEMETRY_CLIENT_CERT:
    'No TLS settings for the collector: send to a collector on the same host or network.',
  IMGPROXY_OPEN_TELEMETRY_CLIENT_KEY:
    'No TLS settings for the collector: send to a collector on the same host or network.',
  IMGPROXY_OPEN_TELEMETRY_PROPAGATE_EXTERNAL:
    'Trace context is read from requests but not sent on to sources.',
  IMGPROXY_OPEN_TELEMETRY_TRACE_ID_GENERATOR:
    'Trace IDs are random W3C IDs; there is no AWS X-Ray generator.',
  IMGPROXY_SYSLOG_ENABLE: SYSLOG,
  IMGPROXY_SYSLOG_ADDRESS: SYSLOG,
  IMGPROXY_SYSLOG_LEVEL: SYSLOG,
  IMGPROXY_SYSLOG_NETWORK: SYSLOG,
  IMGPROXY_SYSLOG_TAG: SYSLOG,
  IMGPROXY_ENV_AWS_SECRET_ID: SECRET_STORES,
  IMGPROXY_ENV_AWS_SECRET_REGION: SECRET_STORES,
  IMGPROXY_ENV_AWS_SECRET_VERSION_ID: SECRET_STORES,
  IMGPROXY_ENV_AWS_SECRET_VERSION_STAGE: SECRET_STORES,
  IMGPROXY_ENV_AWS_SSM_PARAMETERS_PATH: SECRET_STORES,
  IMGPROXY_ENV_AWS_SSM_PARAMETERS_REGION: SECRET_STORES,
  IMGPROXY_ENV_GCP_KEY: SECRET_STORES,
  IMGPROXY_ENV_GCP_SECRET_ID: SECRET_STORES,
  IMGPROXY_ENV_GCP_SECRET_PROJECT_ID: SECRET_STORES,
  IMGPROXY_ENV_GCP_SECRET_VERSION_ID: SECRET_STORES,
  IMGPROXY_AUTO_JXL: JXL,
  IMGPROXY_ENFORCE_JXL: JXL,
  IMGPROXY_JXL_EFFORT: JXL,
  IMGPROXY_PNG_UNLIMITED: "Not yet: libvips's PNG decoder limits stay on.",
  IMGPROXY_TIFF_UNLIMITED: "Not yet: libvips's TIFF decoder limits stay on.",
  IMGPROXY_S3_ACCESS_POINTS: 'Not yet: S3 sources name buckets, not access point ARNs.',
  IMGPROXY_S3_USE_DECRYPTION_CLIENT:
    'S3 client-side encryption is not supported (server-side encryption is transparent).',
  IMGPROXY_FAIL_ON_DEPRECATION: 'Tintype has no deprecated settings to fail on.',
  IMGPROXY_FREE_MEMORY_INTERVAL:
    "Go-specific (returns freed memory to the OS); Node's garbage collector manages memory.",
  IMGPROXY_LOG_MEM_STATS:
    'Go-specific; memory is in the Prometheus metrics (`vips_memory_bytes`, `process_*`, `nodejs_*`).',
  IMGPROXY_PPROF_BIND: "Go's profiler. Profile Node with `node --cpu-prof` or `--inspect`.",
  IMGPROXY_VIPS_CACHE_TRACE: 'A libvips debugging switch that sharp does not expose.',
  IMGPROXY_VIPS_LEAK_CHECK: 'A libvips debugging switch that sharp does not expose.',
};

/** docs/migrating-from-imgproxy.md: the prose below, then one row per variable. */
export function renderMigrationGuide(): string {
  const rows: [string, string, string][] = [];
  for (const [name, spec] of Object.entries(VARS) as [string, VarSpec<unknown>][]) {
    rows.push([name, spec.own ? "Tintype's own" : 'supported', spec.help]);
  }
  for (const [name, reason] of Object.entries(NOT_SUPPORTED)) rows.push([name, 'not supported', reason]);
  rows.sort((a, b) => a[0].localeCompare(b[0]));
  return [
    INTRO,
    '| variable | in Tintype | notes |',
    '| --- | --- | --- |',
    ...rows.map(([name, status, note]) => `| \`${name}\` | ${status} | ${note} |`),
    '',
  ].join('\n');
}

const INTRO = `# Migrating from imgproxy

<!-- Generated from apps/server/src/config/vars.ts and apps/server/src/docs/migration.ts by \`pnpm --filter @tintype/server docs:config\`. Do not edit by hand. -->

Tintype is meant to replace imgproxy without touching the applications that build URLs or the
files that deploy it:

- **URLs**: the same path layout (plain, base64 and encrypted sources), the same signatures
  (\`IMGPROXY_KEY\`/\`IMGPROXY_SALT\`, several pairs for rotation), the same 45 processing options with
  their short names and argument rules, presets. URLs signed by imgproxy's client libraries work
  unchanged. See [the URL format](url-format.md) and [every option](options.md).
- **Settings**: the same \`IMGPROXY_*\` variables with the same types and defaults; the table below
  lists every one of imgproxy's, and Tintype's own additions. An invalid value stops Tintype at start
  with a message naming the variable; an unknown \`IMGPROXY_*\` variable is reported as a warning.
- **Responses**: the same status codes, \`Cache-Control\`, \`ETag\`/\`Last-Modified\`, \`Content-Disposition\`
  and \`Vary\`; \`/health\` answers \`imgproxy is running\` and the \`Server\` header says \`imgproxy\`, so
  health checks and dashboards keep matching.
- **Operations**: \`tintype health\` replaces \`imgproxy health\` in container health checks; the
  Prometheus metrics keep imgproxy's names and labels (see [monitoring](monitoring.md)).

What differs:

- The **internal cache** (imgproxy Pro's \`IMGPROXY_CACHE_*\` settings) is part of Tintype, with more:
  purging, a memory tier, coalescing of identical requests. See [caching](caching.md).
- **Logs**: the same formats (\`pretty\`, \`structured\`, \`json\`, \`gcp\`), levels and response line
  (\`Completed in … <path>\`), but the path in logs has its signature replaced by \`-\`. The default is
  \`structured\` even on a terminal; set \`IMGPROXY_LOG_FORMAT=pretty\` there.
- **OpenTelemetry**: traces only, over OTLP/HTTP (\`http/protobuf\` or \`http/json\`); gRPC is not
  supported, so point \`OTEL_EXPORTER_OTLP_ENDPOINT\` at the collector's HTTP port (4318).
- **Metrics**: \`workers_utilization\` is the share of workers busy (imgproxy divides requests in
  progress, queued ones included, by workers); \`vips_allocs\` is missing; \`vips_*_bytes\` have
  megabyte resolution. Node's runtime metrics replace Go's.
- **Runtime**: Node.js instead of Go. Node 20 (≥ 20.18.1) runs Tintype; Node 22 or 24 LTS is
  recommended in production. \`IMGPROXY_WORKERS\` defaults to 2 × CPUs as in imgproxy; in a container,
  set it from the CPU limit. Where imgproxy is one process using every core, a Node process answers
  on one thread: with the internal cache on, Tintype serves from one process per CPU
  (\`IMGPROXY_PROCESSES\`, Tintype's own; node:cluster on the one port), which about doubles cache
  hits on 2 cores; \`IMGPROXY_SO_REUSEPORT\` needs Node 22.12.

## Every variable

`;
