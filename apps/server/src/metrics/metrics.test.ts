import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../test/server.js';
import { parsePrometheusText, type Sample, sample } from './test-prometheus-text.js';

const samples = new URL('../../../../samples', import.meta.url).pathname;

describe('Prometheus endpoint', () => {
  let server: TestServer;
  let metricsUrl: string;
  const scrape = async (path = '/metrics'): Promise<Sample[]> => {
    const res = await fetch(metricsUrl + path);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return parsePrometheusText(await res.text());
  };

  beforeAll(async () => {
    server = await startTestServer({
      IMGPROXY_LOCAL_FILESYSTEM_ROOT: samples,
      // A second ephemeral port on loopback; `localhost` only so it differs from IMGPROXY_BIND.
      IMGPROXY_PROMETHEUS_BIND: 'localhost:0',
      IMGPROXY_PROMETHEUS_NAMESPACE: 'tintype',
      IMGPROXY_WORKERS: '3',
    });
    expect(server.running.metricsAddress).toBeTruthy();
    metricsUrl = `http://${server.running.metricsAddress}`;
  });
  afterAll(() => server?.stop());

  it('is a listener of its own, not a route of the image server', async () => {
    expect(server.running.metricsAddress).not.toBe(server.running.address);
    expect((await server.get('/metrics')).headers.get('content-type')).not.toMatch(/version=0\.0\.4/);
  });

  it('counts processing requests, statuses, spans and errors by imgproxy category', async () => {
    const before = await scrape();
    expect(sample(before, 'tintype_workers')).toBe(3);
    const delta = (after: Sample[], name: string, labels: Record<string, string> = {}) =>
      (sample(after, name, labels) ?? 0) - (sample(before, name, labels) ?? 0);

    const ok = await server.get('/unsafe/rs:fit:60:40/plain/local:///ladybird.jpg@png');
    expect(ok.status).toBe(200);
    await ok.arrayBuffer();
    const missing = await server.get('/unsafe/rs:fit:60:40/plain/local:///no-such-file.jpg');
    expect(missing.status).toBe(404);
    const badOption = await server.get('/unsafe/nonsense:1/plain/local:///ladybird.jpg');
    expect(badOption.status).toBe(404);
    // Health checks and the landing page are not image requests, as in imgproxy.
    expect((await server.get('/health')).status).toBe(200);
    expect((await server.get('/')).status).toBe(200);

    // Any path of the listener answers with the metrics.
    const after = await scrape('/anything');
    expect(delta(after, 'tintype_requests_total')).toBe(3);
    expect(delta(after, 'tintype_status_codes_total', { status: '200' })).toBe(1);
    expect(delta(after, 'tintype_status_codes_total', { status: '404' })).toBe(2);
    expect(delta(after, 'tintype_errors_total', { type: 'download' })).toBe(1);
    expect(delta(after, 'tintype_errors_total', { type: 'path_parsing' })).toBe(1);
    expect(delta(after, 'tintype_request_duration_seconds_count')).toBe(3);
    // The failed download may or may not be timed; the successful one must be.
    expect(
      delta(after, 'tintype_request_span_duration_seconds_count', { span: 'downloading_image' }),
    ).toBeGreaterThanOrEqual(1);
    expect(delta(after, 'tintype_request_span_duration_seconds_count', { span: 'processing_image' })).toBe(1);
    expect(
      delta(after, 'tintype_request_span_duration_seconds_count', { span: 'queue' }),
    ).toBeGreaterThanOrEqual(1);
    expect(sample(after, 'tintype_requests_in_progress')).toBe(0);
    expect(sample(after, 'tintype_images_in_progress')).toBe(0);
    expect(sample(after, 'tintype_workers_utilization')).toBe(0);
    // Node's runtime metrics, unprefixed like Go's in imgproxy.
    expect(sample(after, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(sample(after, 'nodejs_heap_size_total_bytes')).toBeGreaterThan(0);
  });

  it('closes with the server', async () => {
    const probe = await startTestServer({ IMGPROXY_PROMETHEUS_BIND: 'localhost:0' });
    const url = `http://${probe.running.metricsAddress}/metrics`;
    expect((await fetch(url)).status).toBe(200);
    await probe.stop();
    await expect(fetch(url)).rejects.toThrow();
  });
});
