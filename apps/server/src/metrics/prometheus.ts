import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import sharp from 'sharp';
import { SPAN_NAMES } from './spans.js';
import type { CacheEvent, Metrics } from './types.js';

/** What the metrics read from the worker limiter at scrape time. */
export interface WorkerStats {
  readonly active: number;
  readonly workers: number;
}

export interface PrometheusMetrics extends Metrics {
  registry: Registry;
  /** Call when a processing request starts; call the returned function once it has answered. */
  startRequest(): (status: number) => void;
}

/** Counters of cache events, one per event, each labelled by backend. */
const CACHE_COUNTERS: Record<CacheEvent, [name: string, help: string]> = {
  hit: ['cache_hits_total', 'A counter of results served from the internal cache.'],
  miss: ['cache_misses_total', 'A counter of lookups that did not find a result in the internal cache.'],
  error: ['cache_errors_total', 'A counter of failed internal cache operations.'],
  bypass: ['cache_bypasses_total', 'A counter of requests that skipped the internal cache.'],
  coalesced: [
    'cache_coalesced_total',
    'A counter of requests that joined an identical request already in flight.',
  ],
  eviction: [
    'cache_evictions_total',
    'A counter of entries evicted to keep the cache within its size bound.',
  ],
  purge: ['cache_purges_total', 'A counter of purges (every variant of a source removed).'],
};

/**
 * The Prometheus metrics of one server, in their own registry (so several servers can live in one
 * process, as in tests). Names, help texts and labels follow imgproxy's `monitoring/prometheus`,
 * prefixed by IMGPROXY_PROMETHEUS_NAMESPACE; Node's runtime metrics are added unprefixed, as Go's
 * are in imgproxy.
 */
export function createPrometheusMetrics(opts: {
  namespace: string;
  workers: WorkerStats;
}): PrometheusMetrics {
  const registry = new Registry();
  const name = (n: string) => (opts.namespace ? `${opts.namespace}_${n}` : n);
  const registers = [registry];
  let requestsInProgress = 0;
  let imagesInProgress = 0;

  const requestsTotal = new Counter({
    name: name('requests_total'),
    help: 'A counter of the total number of HTTP requests imgproxy processed.',
    registers,
  });
  const statusCodes = new Counter({
    name: name('status_codes_total'),
    help: 'A counter of the response status codes.',
    labelNames: ['status'],
    registers,
  });
  const errors = new Counter({
    name: name('errors_total'),
    help: 'A counter of the occurred errors separated by type.',
    labelNames: ['type'],
    registers,
  });
  const requestDuration = new Histogram({
    name: name('request_duration_seconds'),
    help: 'A histogram of the response latency.',
    registers,
  });
  const spanDuration = new Histogram({
    name: name('request_span_duration_seconds'),
    help: 'A histogram of the request spans duration separated by span name.',
    labelNames: ['span'],
    registers,
  });
  new Gauge({ name: name('workers'), help: 'A gauge of the number of running workers.', registers }).set(
    opts.workers.workers,
  );
  new Gauge({
    name: name('requests_in_progress'),
    help: 'A gauge of the number of requests currently being in progress.',
    registers,
    collect() {
      this.set(requestsInProgress);
    },
  });
  new Gauge({
    name: name('images_in_progress'),
    help: 'A gauge of the number of images currently being in progress.',
    registers,
    collect() {
      this.set(imagesInProgress);
    },
  });
  new Gauge({
    name: name('workers_utilization'),
    help: 'A gauge of the workers utilization in percents.',
    registers,
    collect() {
      this.set(opts.workers.workers > 0 ? (opts.workers.active / opts.workers.workers) * 100 : 0);
    },
  });
  // libvips' tracked memory, as imgproxy reports it (sharp gives it in whole megabytes).
  new Gauge({
    name: name('vips_memory_bytes'),
    help: 'A gauge of the vips tracked memory usage in bytes.',
    registers,
    collect() {
      this.set(sharp.cache().memory.current * 1024 * 1024);
    },
  });
  new Gauge({
    name: name('vips_max_memory_bytes'),
    help: 'A gauge of the max vips tracked memory usage in bytes.',
    registers,
    collect() {
      this.set(sharp.cache().memory.high * 1024 * 1024);
    },
  });

  const cacheCounters = Object.fromEntries(
    Object.entries(CACHE_COUNTERS).map(([event, [n, help]]) => [
      event,
      new Counter({ name: name(n), help, labelNames: ['backend'], registers }),
    ]),
  ) as Record<CacheEvent, Counter<'backend'>>;
  const cacheDuration = new Histogram({
    name: name('cache_duration_seconds'),
    help: 'A histogram of internal cache operation latency separated by backend and result.',
    labelNames: ['backend', 'result'],
    registers,
  });

  collectDefaultMetrics({ register: registry });

  return {
    registry,
    startRequest() {
      requestsTotal.inc();
      requestsInProgress++;
      const end = requestDuration.startTimer();
      let done = false;
      return (status) => {
        if (done) return;
        done = true;
        requestsInProgress--;
        statusCodes.inc({ status: String(status) });
        end();
      };
    },
    span(span, seconds) {
      spanDuration.observe({ span: SPAN_NAMES[span] }, seconds);
    },
    cache(event, backend, seconds) {
      cacheCounters[event].inc({ backend });
      if (seconds !== undefined) cacheDuration.observe({ backend, result: event }, seconds);
    },
    imagesInProgress(delta) {
      imagesInProgress += delta;
    },
    error(category) {
      errors.inc({ type: category });
    },
  };
}
