export { METRIC_UNITS, MetricNameError, checkComponentName, checkLabelNames, checkMetricName, type MetricKind, type MetricUnit } from './naming.js';
export {
  MetricsRegistry,
  createMetricsRegistry,
  type GaugeOptions,
  type HistogramOptions,
  type MetricOptions,
  type MetricsRegistryOptions,
} from './registry.js';
export { HttpError, serveMetrics, type JsonPostRoute, type JsonRoute, type MetricsServer, type MetricsServerOptions } from './serve.js';
export { exponentialBuckets, linearBuckets, type Counter, type Gauge, type Histogram } from 'prom-client';
