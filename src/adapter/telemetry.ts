/**
 * What the adapter tells about itself while it runs: the OpenBOM client, the caches and the routes report here, and
 * the metrics module turns it into Prometheus series. The no-op default keeps tests and tools that do not care quiet.
 */
export interface AdapterTelemetry {
  /** One Jakamo request answered: the route pattern (never the raw path), its status and how long it took. */
  jakamoRequest(route: string, status: number, seconds: number): void;
  /** One answer from OpenBOM or its storage (`endpoint` is a pattern such as `GET /catalog/:id`, never ids or tokens). */
  openBomRequest(endpoint: string, status: number | 'network-error' | 'timeout', seconds: number): void;
  /** A retry of an OpenBOM request, with what caused it (`429`, `5xx`, `network`, `timeout`, `token`). */
  openBomRetry(endpoint: string, reason: string): void;
  /** Time spent waiting for a permit of the OpenBOM request budget, by priority. */
  limiterWait(priority: 'foreground' | 'background', seconds: number): void;
  /** A cache lookup: `cache` names the cache (`index`, `catalog`, `revisions`, `redirect`, `file`, …). */
  cacheLookup(cache: string, outcome: 'hit' | 'stale' | 'miss'): void;
}

export const silentTelemetry: AdapterTelemetry = {
  jakamoRequest() {},
  openBomRequest() {},
  openBomRetry() {},
  limiterWait() {},
  cacheLookup() {},
};
