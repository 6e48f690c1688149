import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { checkComponentName, checkLabelNames, checkMetricName } from './naming.js';

export interface MetricOptions<Label extends string> {
  /** The full name, `tidedb_<component>_<what>_<unit>`, spelled out so it can be grepped. */
  readonly name: string;
  readonly help: string;
  readonly labelNames?: readonly Label[];
}

export interface GaugeOptions<Label extends string> extends MetricOptions<Label> {
  /** Runs at every scrape, for gauges read from state rather than set as it changes. */
  readonly collect?: (this: Gauge<Label>) => void | Promise<void>;
}

export interface HistogramOptions<Label extends string> extends MetricOptions<Label> {
  /** Upper bounds of the buckets, in the metric's unit; prom-client's defaults suit seconds. */
  readonly buckets?: readonly number[];
}

export interface MetricsRegistryOptions {
  /**
   * Whether to register Node's process metrics (CPU, memory, event-loop lag, GC) as
   * `tidedb_<component>_process_*` / `tidedb_<component>_nodejs_*`. On by default; tests
   * that build many registries in one process may turn it off.
   */
  readonly defaultMetrics?: boolean;
}

/**
 * The metrics of one component instance: a prom-client registry of its own (never the
 * global one, so a test can run PD, three stores and a SQL node in one process, each with
 * its own /metrics), with helpers that enforce the naming convention at registration.
 */
export class MetricsRegistry {
  readonly registry = new Registry();

  constructor(
    readonly component: string,
    options: MetricsRegistryOptions = {},
  ) {
    checkComponentName(component);
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: `tidedb_${component}_` });
  }

  counter<Label extends string = string>(options: MetricOptions<Label>): Counter<Label> {
    this.check('counter', options);
    return new Counter<Label>({ ...this.common(options) });
  }

  gauge<Label extends string = string>(options: GaugeOptions<Label>): Gauge<Label> {
    this.check('gauge', options);
    return new Gauge<Label>({ ...this.common(options), ...(options.collect === undefined ? {} : { collect: options.collect }) });
  }

  histogram<Label extends string = string>(options: HistogramOptions<Label>): Histogram<Label> {
    this.check('histogram', options);
    const buckets = options.buckets;
    if (buckets !== undefined) {
      for (let index = 1; index < buckets.length; index++) {
        const previous = buckets[index - 1] ?? Number.NEGATIVE_INFINITY;
        if (!((buckets[index] ?? Number.NaN) > previous)) {
          throw new RangeError(`histogram ${options.name}: buckets must be strictly increasing`);
        }
      }
    }
    return new Histogram<Label>({ ...this.common(options), ...(buckets === undefined ? {} : { buckets: [...buckets] }) });
  }

  /** The Prometheus text exposition of every metric in this registry. */
  exposition(): Promise<string> {
    return this.registry.metrics();
  }

  private check(kind: 'counter' | 'gauge' | 'histogram', options: MetricOptions<string>): void {
    checkMetricName(this.component, kind, options.name);
    checkLabelNames(options.name, options.labelNames ?? []);
    if (options.help.trim().length === 0) throw new RangeError(`${kind} ${options.name}: help must say what is measured`);
  }

  private common<Label extends string>(
    options: MetricOptions<Label>,
  ): { name: string; help: string; labelNames: readonly Label[]; registers: Registry[] } {
    return { name: options.name, help: options.help, labelNames: options.labelNames ?? [], registers: [this.registry] };
  }
}

/** The registry a process's `main.ts` creates once for its component and hands to its modules. */
export function createMetricsRegistry(component: string, options: MetricsRegistryOptions = {}): MetricsRegistry {
  return new MetricsRegistry(component, options);
}
