import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestServer } from '../test/server.js';
import { parseOtlpHeaders } from './index.js';

const samples = new URL('../../../../samples', import.meta.url).pathname;

interface Export {
  path: string;
  contentType: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

interface JsonSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: { key: string; value: { stringValue?: string; intValue?: string | number } }[];
  status?: { code?: number };
}

/** A collector on 127.0.0.1 that accepts OTLP/HTTP export POSTs and keeps them. */
async function startReceiver(): Promise<{ url: string; exports: Export[]; server: Server }> {
  const exports: Export[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      exports.push({
        path: req.url ?? '',
        contentType: req.headers['content-type'] ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks),
      });
      const json = req.headers['content-type'] === 'application/json';
      res
        .writeHead(200, { 'Content-Type': json ? 'application/json' : 'application/x-protobuf' })
        .end(json ? '{}' : '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, exports, server };
}

function jsonSpans(exports: Export[]): { spans: JsonSpan[]; resource: Record<string, string> } {
  const spans: JsonSpan[] = [];
  const resource: Record<string, string> = {};
  for (const e of exports) {
    const doc = JSON.parse(e.body.toString('utf8'));
    for (const rs of doc.resourceSpans) {
      for (const a of rs.resource.attributes) resource[a.key] = a.value.stringValue;
      for (const ss of rs.scopeSpans) spans.push(...ss.spans);
    }
  }
  return { spans, resource };
}

const attr = (span: JsonSpan, key: string) => {
  const v = span.attributes.find((a) => a.key === key)?.value;
  return v?.stringValue ?? (v?.intValue === undefined ? undefined : Number(v.intValue));
};

describe('OpenTelemetry tracing', () => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  beforeEach(async () => {
    receiver = await startReceiver();
  });
  afterEach(() => new Promise<void>((resolve) => receiver.server.close(() => resolve())));

  it('exports one server span per request with child spans for queue, download and processing (OTLP/JSON)', async () => {
    const server = await startTestServer({
      IMGPROXY_LOCAL_FILESYSTEM_ROOT: samples,
      IMGPROXY_OPEN_TELEMETRY_ENABLE: 'true',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_EXPORTER_OTLP_HEADERS: 'x-collector-token=s3cret%21',
      OTEL_SERVICE_NAME: 'tintype-test',
    });
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const res = await server.get('/unsafe/rs:fit:80:60/plain/local:///ladybird.jpg@png', {
      headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01`, 'x-request-id': 'trace-me' },
    });
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    const missing = await server.get('/unsafe/plain/local:///missing.jpg');
    expect(missing.status).toBe(404);
    // Stopping flushes the batch, so the export has arrived once stop() resolves.
    await server.stop();

    expect(receiver.exports.length).toBeGreaterThan(0);
    for (const e of receiver.exports) {
      expect(e.path).toBe('/v1/traces');
      expect(e.contentType).toBe('application/json');
      expect(e.headers['x-collector-token']).toBe('s3cret!');
    }
    const { spans, resource } = jsonSpans(receiver.exports);
    expect(resource['service.name']).toBe('tintype-test');
    expect(resource['service.version']).toMatch(/^\d+\.\d+\.\d+/);

    const roots = spans.filter((s) => s.name === '/request');
    expect(roots).toHaveLength(2);
    const root = roots.find((s) => s.traceId === traceId)!;
    expect(root, 'the incoming traceparent is continued').toBeDefined();
    expect(root.parentSpanId).toBe('00f067aa0ba902b7');
    expect(root.kind).toBe(2); // SERVER
    expect(attr(root, 'http.request.method')).toBe('GET');
    expect(attr(root, 'http.response.status_code')).toBe(200);
    expect(attr(root, 'tintype.request_id')).toBe('trace-me');
    // The path is recorded with its signature redacted, as in the logs.
    expect(attr(root, 'url.path')).toBe('/-/rs:fit:80:60/plain/local:///ladybird.jpg@png');

    const children = spans.filter((s) => s.parentSpanId === root.spanId);
    const names = children.map((s) => s.name).sort();
    expect(names).toEqual(expect.arrayContaining(['downloading_image', 'processing_image', 'queue']));
    for (const child of children) {
      expect(child.traceId).toBe(traceId);
      expect(child.kind).toBe(1); // INTERNAL
      expect(BigInt(child.startTimeUnixNano)).toBeGreaterThanOrEqual(BigInt(root.startTimeUnixNano));
      expect(BigInt(child.endTimeUnixNano)).toBeLessThanOrEqual(BigInt(root.endTimeUnixNano));
      expect(BigInt(child.endTimeUnixNano)).toBeGreaterThanOrEqual(BigInt(child.startTimeUnixNano));
    }

    const failed = roots.find((s) => s !== root)!;
    expect(failed.traceId).not.toBe(traceId);
    expect(attr(failed, 'http.response.status_code')).toBe(404);
  });

  it('speaks OTLP/protobuf by default, to OTEL_EXPORTER_OTLP_TRACES_ENDPOINT when set', async () => {
    const server = await startTestServer({
      IMGPROXY_LOCAL_FILESYSTEM_ROOT: samples,
      IMGPROXY_OPEN_TELEMETRY_ENABLE: 'true',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiver.url}/custom/traces`,
    });
    const res = await server.get('/unsafe/rs:fit:40:40/plain/local:///dune.jpg@webp');
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    await server.stop();

    expect(receiver.exports.length).toBeGreaterThan(0);
    const body = Buffer.concat(receiver.exports.map((e) => e.body));
    for (const e of receiver.exports) {
      expect(e.path).toBe('/custom/traces');
      expect(e.contentType).toBe('application/x-protobuf');
    }
    // Protobuf keeps strings as UTF-8 bytes, so the span and service names are readable in it.
    for (const text of ['/request', 'processing_image', 'downloading_image', 'imgproxy']) {
      expect(body.includes(Buffer.from(text)), text).toBe(true);
    }
  });

  it('exports nothing when disabled', async () => {
    const server = await startTestServer({
      IMGPROXY_LOCAL_FILESYSTEM_ROOT: samples,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    });
    const res = await server.get('/unsafe/rs:fit:40:40/plain/local:///dune.jpg');
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    await server.stop();
    expect(receiver.exports).toHaveLength(0);
  });
});

describe('parseOtlpHeaders', () => {
  it('reads comma-separated key=value pairs with URL-encoded values', () => {
    expect(parseOtlpHeaders('api-key=abc%20def, x-team = images ,broken')).toEqual({
      'api-key': 'abc def',
      'x-team': 'images',
    });
    expect(parseOtlpHeaders('')).toEqual({});
  });
});
