import { AsyncLocalStorage } from 'node:async_hooks';
import { readFileSync } from 'node:fs';
import {
  type Context,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  type TextMapPropagator,
  trace,
} from '@opentelemetry/api';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtobufExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { SPAN_NAMES } from '../metrics/spans.js';
import { parseOtlpHeaders, type Tracing, type TracingConfig } from './index.js';

/**
 * Tracing with the OpenTelemetry SDK, exported over OTLP/HTTP. Nothing is registered globally:
 * the request's span travels in our own AsyncLocalStorage, so two servers in one process (tests)
 * never share a tracer, and the parts of a request are reported as child spans when they end.
 */
export function createOtelTracing(config: TracingConfig): Tracing {
  const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  const endpoint =
    config.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ||
    `${config.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces`;
  const exporterOptions = {
    url: endpoint,
    headers: parseOtlpHeaders(config.OTEL_EXPORTER_OTLP_HEADERS),
    timeoutMillis: config.OTEL_EXPORTER_OTLP_TIMEOUT,
  };
  const exporter =
    config.OTEL_EXPORTER_OTLP_PROTOCOL === 'http/json'
      ? new JsonExporter(exporterOptions)
      : new ProtobufExporter(exporterOptions);
  // OTEL_RESOURCE_ATTRIBUTES is read by the SDK's env detector; our name and version win.
  const resource = detectResources({ detectors: [envDetector] }).merge(
    resourceFromAttributes({ 'service.name': config.OTEL_SERVICE_NAME, 'service.version': version }),
  );
  const provider = new BasicTracerProvider({ resource, spanProcessors: [new BatchSpanProcessor(exporter)] });
  const tracer = provider.getTracer('tintype', version);
  const propagator = createPropagator(config.OTEL_PROPAGATORS);
  const current = new AsyncLocalStorage<Context>();

  const now = () => performance.timeOrigin + performance.now();

  return {
    middleware: (pathOf) => (req, res, next) => {
      const parent = propagator.extract(ROOT_CONTEXT, req.headers, {
        get: (carrier, key) => carrier[key],
        keys: (carrier) => Object.keys(carrier),
      });
      const span = tracer.startSpan(
        '/request',
        {
          kind: SpanKind.SERVER,
          attributes: {
            'http.request.method': req.method,
            'url.path': pathOf(req),
            'url.scheme': req.protocol,
            'server.address': req.hostname,
            'user_agent.original': req.get('user-agent') ?? '',
          },
        },
        parent,
      );
      res.once('close', () => {
        const status = res.headersSent ? res.statusCode : 499;
        span.setAttribute('http.response.status_code', status);
        if (res.locals.requestId) span.setAttribute('tintype.request_id', String(res.locals.requestId));
        if (res.locals.cache) span.setAttribute('tintype.cache', String(res.locals.cache));
        // A server span is an error only when the server failed (OpenTelemetry's HTTP conventions).
        if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
      });
      current.run(trace.setSpan(parent, span), next);
    },
    metrics: {
      span(name, seconds) {
        const parent = current.getStore();
        if (!parent) return;
        const end = now();
        tracer
          .startSpan(SPAN_NAMES[name], { kind: SpanKind.INTERNAL, startTime: end - seconds * 1000 }, parent)
          .end(end);
      },
      error(category) {
        const parent = current.getStore();
        const span = parent && trace.getSpan(parent);
        if (!span) return;
        span.setStatus({ code: SpanStatusCode.ERROR, message: category });
        span.addEvent('exception', { 'exception.type': `${category}_error` });
      },
    },
    stop: () => provider.shutdown(),
  };
}

function createPropagator(names: string[]): TextMapPropagator {
  const propagators: TextMapPropagator[] = [];
  if (names.includes('tracecontext')) propagators.push(new W3CTraceContextPropagator());
  if (names.includes('baggage')) propagators.push(new W3CBaggagePropagator());
  return new CompositePropagator({ propagators });
}
