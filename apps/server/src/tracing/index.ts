import type { RequestHandler } from 'express';
import type { Config } from '../config/index.js';
import type { Metrics } from '../metrics/types.js';

export type TracingConfig = Pick<
  Config,
  | 'IMGPROXY_OPEN_TELEMETRY_ENABLE'
  | 'OTEL_EXPORTER_OTLP_ENDPOINT'
  | 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'
  | 'OTEL_EXPORTER_OTLP_PROTOCOL'
  | 'OTEL_EXPORTER_OTLP_HEADERS'
  | 'OTEL_EXPORTER_OTLP_TIMEOUT'
  | 'OTEL_SERVICE_NAME'
  | 'OTEL_PROPAGATORS'
>;

export interface Tracing {
  /**
   * Runs the rest of a request inside its server span (`/request`, as imgproxy names it).
   * `pathOf` gives the path recorded on the span, so the caller decides what is redacted.
   */
  middleware(pathOf: (req: Parameters<RequestHandler>[0]) => string): RequestHandler;
  /** Child spans of the current request (reported when a part ends) and errors on it. */
  metrics: Pick<Metrics, 'span' | 'error'>;
  /** Exports what is still buffered and stops. */
  stop(): Promise<void>;
}

/**
 * OpenTelemetry tracing when IMGPROXY_OPEN_TELEMETRY_ENABLE is on, else nothing. Why the lazy
 * import: the SDK is large, and a server that does not trace should not load it.
 */
export async function createTracing(config: TracingConfig): Promise<Tracing | undefined> {
  if (!config.IMGPROXY_OPEN_TELEMETRY_ENABLE) return undefined;
  const { createOtelTracing } = await import('./otel.js');
  return createOtelTracing(config);
}

/** OTEL_EXPORTER_OTLP_HEADERS as the OpenTelemetry spec reads it: `k=v` pairs, values URL-encoded. */
export function parseOtlpHeaders(raw: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of raw.split(',')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    out[pair.slice(0, eq).trim()] = decodeURIComponent(pair.slice(eq + 1).trim());
  }
  return out;
}
