import { Hono } from 'hono';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { AdapterTelemetry } from './telemetry.js';

export interface AdapterMetricsOptions {
  /** Age of the part index in hand, in seconds (undefined while none is loaded). */
  indexAgeSeconds?: () => number | undefined;
  /** Also the process's own series (CPU, memory, event loop lag); `serve` turns them on, tests leave them off. */
  processMetrics?: boolean;
}

export interface AdapterMetrics {
  telemetry: AdapterTelemetry;
  registry: Registry;
}

/** Latency buckets in seconds: from a cached listing (sub-millisecond) to a download held up by retries. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const PREFIX = 'jakamo_kit_';

/** The adapter's telemetry as Prometheus series, in a registry of its own (never prom-client's global one). */
export function createAdapterMetrics({ indexAgeSeconds, processMetrics = false }: AdapterMetricsOptions = {}): AdapterMetrics {
  const registry = new Registry();
  if (processMetrics) collectDefaultMetrics({ register: registry, prefix: PREFIX });
  const registers = [registry];

  const jakamoRequests = new Counter({
    name: `${PREFIX}jakamo_requests_total`,
    help: 'Jakamo requests answered, by route pattern and status.',
    labelNames: ['route', 'status'],
    registers,
  });
  const jakamoLatency = new Histogram({
    name: `${PREFIX}jakamo_request_duration_seconds`,
    help: 'Time to answer a Jakamo request (to the response head), by route pattern.',
    labelNames: ['route'],
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const openBomRequests = new Counter({
    name: `${PREFIX}openbom_requests_total`,
    help: 'Requests to OpenBOM and its storage, by endpoint pattern and status (or network-error, timeout).',
    labelNames: ['endpoint', 'status'],
    registers,
  });
  const openBomLatency = new Histogram({
    name: `${PREFIX}openbom_request_duration_seconds`,
    help: 'Time OpenBOM or its storage took to answer, by endpoint pattern.',
    labelNames: ['endpoint'],
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const rateLimited = new Counter({
    name: `${PREFIX}openbom_rate_limited_total`,
    help: 'OpenBOM answers with HTTP 429, by endpoint pattern.',
    labelNames: ['endpoint'],
    registers,
  });
  const retries = new Counter({
    name: `${PREFIX}openbom_retries_total`,
    help: 'Retries of OpenBOM requests, by endpoint pattern and cause.',
    labelNames: ['endpoint', 'reason'],
    registers,
  });
  const limiterWaits = new Histogram({
    name: `${PREFIX}openbom_permit_wait_seconds`,
    help: "Time spent waiting for a permit of OpenBOM's request budget, by priority.",
    labelNames: ['priority'],
    buckets: [0, ...LATENCY_BUCKETS],
    registers,
  });
  const cacheLookups = new Counter({
    name: `${PREFIX}cache_lookups_total`,
    help: 'Cache lookups by cache and outcome (hit, stale = answered while refreshed, miss).',
    labelNames: ['cache', 'outcome'],
    registers,
  });
  new Gauge({
    name: `${PREFIX}part_index_loaded`,
    help: 'Whether a part index is in hand (1) or still loading (0).',
    registers,
    collect() {
      this.set(indexAgeSeconds?.() === undefined ? 0 : 1);
    },
  });
  new Gauge({
    name: `${PREFIX}part_index_age_seconds`,
    help: 'Age of the part index listings answer from (0 while none is loaded; see part_index_loaded).',
    registers,
    collect() {
      this.set(indexAgeSeconds?.() ?? 0);
    },
  });

  const telemetry: AdapterTelemetry = {
    jakamoRequest(route, status, seconds) {
      jakamoRequests.inc({ route, status: String(status) });
      jakamoLatency.observe({ route }, seconds);
    },
    openBomRequest(endpoint, status, seconds) {
      openBomRequests.inc({ endpoint, status: String(status) });
      openBomLatency.observe({ endpoint }, seconds);
      if (status === 429) rateLimited.inc({ endpoint });
    },
    openBomRetry(endpoint, reason) {
      retries.inc({ endpoint, reason });
    },
    limiterWait(priority, seconds) {
      limiterWaits.observe({ priority }, seconds);
    },
    cacheLookup(cache, outcome) {
      cacheLookups.inc({ cache, outcome });
    },
  };
  return { telemetry, registry };
}

/** The app of `--metrics-port`: GET /metrics in Prometheus text format, and nothing else. */
export function createMetricsApp(registry: Registry): Hono {
  const app = new Hono();
  app.get('/metrics', async (c) =>
    c.body(await registry.metrics(), 200, { 'Content-Type': registry.contentType, 'Cache-Control': 'no-store' }),
  );
  app.notFound((c) => c.text('Not found; metrics are at /metrics.\n', 404));
  return app;
}
