import { describe, expect, it } from 'vitest';
import { errorCategory } from './errors.js';
import { createPrometheusMetrics } from './prometheus.js';
import { parsePrometheusText, sample } from './test-prometheus-text.js';

describe('createPrometheusMetrics', () => {
  it("names every metric as imgproxy does, under the namespace, with Node's runtime metrics unprefixed", async () => {
    const m = createPrometheusMetrics({ namespace: 'imgproxy', workers: { active: 0, workers: 4 } });
    const text = await m.registry.metrics();
    const names = new Set(parsePrometheusText(text).map((s) => s.name));
    for (const n of [
      'requests_total',
      'request_duration_seconds_count',
      'requests_in_progress',
      'images_in_progress',
      'workers',
      'workers_utilization',
      'vips_memory_bytes',
      'vips_max_memory_bytes',
    ]) {
      expect(names, n).toContain(`imgproxy_${n}`);
    }
    expect(names).toContain('process_cpu_user_seconds_total');
    expect(names).toContain('nodejs_heap_size_used_bytes');
    expect(text).toContain('# TYPE imgproxy_status_codes_total counter');
    expect(text).toContain('# TYPE imgproxy_request_span_duration_seconds histogram');
    expect(text).toContain('# TYPE imgproxy_cache_hits_total counter');
  });

  it('counts requests, statuses, spans, errors and cache events', async () => {
    const workers = { active: 3, workers: 4 };
    const m = createPrometheusMetrics({ namespace: '', workers });
    const end1 = m.startRequest();
    const end2 = m.startRequest();
    m.imagesInProgress(1);
    let samples = parsePrometheusText(await m.registry.metrics());
    expect(sample(samples, 'requests_in_progress')).toBe(2);
    expect(sample(samples, 'images_in_progress')).toBe(1);
    expect(sample(samples, 'workers')).toBe(4);
    expect(sample(samples, 'workers_utilization')).toBe(75);

    end1(200);
    end1(200); // a second call of the same end is ignored
    end2(404);
    m.imagesInProgress(-1);
    m.span('queue', 0.001);
    m.span('download', 0.02);
    m.span('processing', 0.3);
    m.span('cache', 0.004);
    m.error('download');
    m.error('download');
    m.cache('hit', 'fs', 0.002);
    m.cache('miss', 's3', 0.05);
    m.cache('error', 's3');
    m.cache('coalesced', 's3');
    m.cache('eviction', 'fs');
    m.cache('purge', 'fs');
    m.cache('bypass', 'fs');
    workers.active = 1;

    samples = parsePrometheusText(await m.registry.metrics());
    expect(sample(samples, 'requests_total')).toBe(2);
    expect(sample(samples, 'requests_in_progress')).toBe(0);
    expect(sample(samples, 'images_in_progress')).toBe(0);
    expect(sample(samples, 'workers_utilization')).toBe(25);
    expect(sample(samples, 'status_codes_total', { status: '200' })).toBe(1);
    expect(sample(samples, 'status_codes_total', { status: '404' })).toBe(1);
    expect(sample(samples, 'request_duration_seconds_count')).toBe(2);
    for (const span of ['queue', 'downloading_image', 'processing_image', 'cache']) {
      expect(sample(samples, 'request_span_duration_seconds_count', { span }), span).toBe(1);
    }
    expect(
      sample(samples, 'request_span_duration_seconds_bucket', { span: 'processing_image', le: '0.25' }),
    ).toBe(0);
    expect(
      sample(samples, 'request_span_duration_seconds_bucket', { span: 'processing_image', le: '0.5' }),
    ).toBe(1);
    expect(sample(samples, 'errors_total', { type: 'download' })).toBe(2);
    expect(sample(samples, 'cache_hits_total', { backend: 'fs' })).toBe(1);
    expect(sample(samples, 'cache_misses_total', { backend: 's3' })).toBe(1);
    expect(sample(samples, 'cache_errors_total', { backend: 's3' })).toBe(1);
    expect(sample(samples, 'cache_coalesced_total', { backend: 's3' })).toBe(1);
    expect(sample(samples, 'cache_evictions_total', { backend: 'fs' })).toBe(1);
    expect(sample(samples, 'cache_purges_total', { backend: 'fs' })).toBe(1);
    expect(sample(samples, 'cache_bypasses_total', { backend: 'fs' })).toBe(1);
    expect(sample(samples, 'cache_duration_seconds_count', { backend: 'fs', result: 'hit' })).toBe(1);
    expect(sample(samples, 'cache_duration_seconds_count', { backend: 's3', result: 'miss' })).toBe(1);
    // An event without a duration is counted but not timed.
    expect(
      sample(samples, 'cache_duration_seconds_count', { backend: 's3', result: 'error' }),
    ).toBeUndefined();
  });

  it('keeps two servers in one process apart (one registry each)', async () => {
    const a = createPrometheusMetrics({ namespace: '', workers: { active: 0, workers: 1 } });
    const b = createPrometheusMetrics({ namespace: '', workers: { active: 0, workers: 1 } });
    a.startRequest()(200);
    expect(sample(parsePrometheusText(await a.registry.metrics()), 'requests_total')).toBe(1);
    expect(sample(parsePrometheusText(await b.registry.metrics()), 'requests_total')).toBe(0);
  });
});

describe('errorCategory', () => {
  it("maps our error codes onto imgproxy's categories", async () => {
    const { TintypeError, invalidSignature, invalidOption, unprocessable, internal } = await import(
      '@tintype/url'
    );
    const err = (code: string, status: number) => new TintypeError({ code, status, publicMessage: code });
    expect(errorCategory(invalidSignature())).toBe('security');
    expect(errorCategory(invalidOption('bad'))).toBe('path_parsing');
    expect(errorCategory(unprocessable('bad'))).toBe('processing');
    expect(errorCategory(internal('bug'))).toBe('unexpected');
    expect(errorCategory(err('SOURCE_NOT_FOUND', 404))).toBe('download');
    expect(errorCategory(err('SOURCE_TIMEOUT', 504))).toBe('download');
    expect(errorCategory(err('SOURCE_TOO_BIG', 422))).toBe('image_data_size');
    expect(errorCategory(err('QUEUE_FULL', 429))).toBe('queue');
    expect(errorCategory(err('TIMEOUT', 503))).toBe('timeout');
    expect(errorCategory(err('CACHE_ERROR', 500))).toBe('cache');
  });
});
