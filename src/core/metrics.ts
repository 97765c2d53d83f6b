import { Registry, collectDefaultMetrics, Histogram } from 'prom-client';

/** One registry per server; modules add their own gauges and counters to it. */
export function createMetrics(): { registry: Registry; httpDuration: Histogram<'method' | 'route' | 'status'> } {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'strata_' });
  const httpDuration = new Histogram({
    name: 'strata_http_request_duration_seconds',
    help: 'HTTP request latency by route',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
    registers: [registry],
  });
  return { registry, httpDuration };
}
