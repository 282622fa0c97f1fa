/**
 * What the request path reports. The Prometheus implementation lives beside this file; when
 * IMGPROXY_PROMETHEUS_BIND is empty the server uses `noMetrics`, so the hot path never branches.
 */
export type Span = 'queue' | 'download' | 'processing' | 'cache';
export type CacheEvent = 'hit' | 'miss' | 'error' | 'bypass' | 'coalesced' | 'eviction' | 'purge';

export interface Metrics {
  /** Seconds spent in one part of a request. */
  span(name: Span, seconds: number): void;
  /** A cache event of one backend (`fs`, `s3`, `gcs`, `abs`, `swift`, `memory`). */
  cache(event: CacheEvent, backend: string, seconds?: number): void;
  /** +1 when an image starts processing, -1 when it ends. */
  imagesInProgress(delta: 1 | -1): void;
  /** An error by category (`download`, `processing`, `cache`, `timeout`, `queue`, ...). */
  error(category: string): void;
}

export const noMetrics: Metrics = {
  span() {},
  cache() {},
  imagesInProgress() {},
  error() {},
};
