/**
 * The naming convention every TideDB metric follows, checked when the metric is
 * registered so a badly named metric never reaches a dashboard:
 *
 *   tidedb_<component>_<what>_<unit>
 *
 * `<component>` is the process or subsystem (`pd`, `kv`, `sql`), `<what>` is one or more
 * lowercase words joined by `_`, and `<unit>` comes from a fixed list: counters end in
 * `_total` (optionally after a unit, as in `_bytes_total`); gauges and histograms end in a
 * base unit. Durations are always seconds and sizes bytes, as Prometheus recommends.
 */

export const METRIC_UNITS = ['seconds', 'bytes', 'keys', 'rows', 'ratio', 'count', 'info'] as const;
export type MetricUnit = (typeof METRIC_UNITS)[number];

export type MetricKind = 'counter' | 'gauge' | 'histogram';

/** Units a histogram may not use: `_count` collides with its own `<name>_count` series. */
const unitsNotForHistograms: readonly MetricUnit[] = ['count', 'info'];

/** Thrown when a metric, component or label name breaks the convention. */
export class MetricNameError extends Error {
  override readonly name = 'MetricNameError';
}

const componentPattern = /^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$/;
const wordsPattern = /^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$/;
const labelPattern = /^[a-z][a-z0-9_]*$/;

export function checkComponentName(component: string): void {
  if (!componentPattern.test(component)) {
    throw new MetricNameError(
      `invalid metrics component ${JSON.stringify(component)}: expected lowercase words joined by "_", like "kv" or "pd"`,
    );
  }
}

/** Throws `MetricNameError` unless `name` is `tidedb_<component>_<what>_<unit>` for its kind. */
export function checkMetricName(component: string, kind: MetricKind, name: string): void {
  checkComponentName(component);
  const prefix = `tidedb_${component}_`;
  const fail = (problem: string): never => {
    throw new MetricNameError(`invalid ${kind} name ${JSON.stringify(name)}: ${problem}`);
  };
  if (!name.startsWith(prefix)) fail(`it must start with "${prefix}"`);
  const rest = name.slice(prefix.length);
  if (!wordsPattern.test(rest)) fail('after the prefix, expected lowercase words joined by "_"');
  const words = rest.split('_');
  const last = words[words.length - 1] ?? '';
  if (kind === 'counter') {
    if (last !== 'total') fail('a counter must end in "_total"');
    if (words.length < 2) fail('a counter needs a <what> before "_total"');
    return;
  }
  if (last === 'total') fail(`only counters end in "_total"; a ${kind} ends in a unit`);
  const allowed = kind === 'histogram' ? METRIC_UNITS.filter((unit) => !unitsNotForHistograms.includes(unit)) : METRIC_UNITS;
  if (!(allowed as readonly string[]).includes(last)) fail(`a ${kind} must end in one of ${allowed.map((unit) => `_${unit}`).join(', ')}`);
  if (words.length < 2) fail(`a ${kind} needs a <what> before "_${last}"`);
}

export function checkLabelNames(metricName: string, labelNames: readonly string[]): void {
  const seen = new Set<string>();
  for (const label of labelNames) {
    if (!labelPattern.test(label) || label === 'le' || label === 'quantile') {
      throw new MetricNameError(
        `invalid label ${JSON.stringify(label)} on ${metricName}: expected lowercase snake_case, not "le" or "quantile"`,
      );
    }
    if (seen.has(label)) throw new MetricNameError(`duplicate label ${JSON.stringify(label)} on ${metricName}`);
    seen.add(label);
  }
}
