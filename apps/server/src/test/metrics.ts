import { parsePrometheusText, type Sample, sample } from '../metrics/test-prometheus-text.js';
import type { TestServer } from './server.js';

/** The server's Prometheus samples (it must run with IMGPROXY_PROMETHEUS_BIND set). */
export async function scrape(server: TestServer): Promise<Sample[]> {
  const res = await fetch(`http://${server.running.metricsAddress}/metrics`);
  return parsePrometheusText(await res.text());
}

/** A counter's value for one backend, 0 when it has not been touched yet. */
export async function counter(server: TestServer, name: string, labels: Record<string, string>) {
  return sample(await scrape(server), name, labels) ?? 0;
}

/** Polls until `check` holds. The test's own timeout bounds it; no timing is asserted. */
export async function until(check: () => Promise<boolean> | boolean): Promise<void> {
  while (!(await check())) await new Promise((r) => setTimeout(r, 10));
}
