/**
 * `broadcast-chat/prometheus`: a hub's `stats()` as Prometheus metrics, and an HTTP server for
 * operators (`/metrics`, `/healthz`, `/readyz`). No dependency: the text format is written
 * here, and can be appended to what an application's own registry (prom-client's) writes.
 */
export { serveMetrics, DEFAULT_METRICS_HOST, DEFAULT_METRICS_PORT } from './prometheus/serve-metrics.js';
export type { MetricsServer, ServeMetricsOptions } from './prometheus/serve-metrics.js';
export { collectHubMetrics, hubMetricsText, DEFAULT_METRICS_MAX_ROOMS, DEFAULT_METRICS_PREFIX } from './prometheus/hub-metrics.js';
export type { AnyBroadcastHub, HubMetricsOptions } from './prometheus/hub-metrics.js';
export { formatExposition, PROMETHEUS_CONTENT_TYPE } from './prometheus/exposition.js';
export type { MetricFamily, MetricSample } from './prometheus/exposition.js';
export { hubLiveness, hubReadiness } from './prometheus/health.js';
export type { HealthCheck, ReadyCheck } from './prometheus/health.js';
