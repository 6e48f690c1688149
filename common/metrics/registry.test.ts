import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MetricNameError } from './naming.js';
import { createMetricsRegistry } from './registry.js';

describe('MetricsRegistry', () => {
  test('registers metrics that show up in the exposition with their values and labels', async () => {
    const metrics = createMetricsRegistry('kv', { defaultMetrics: false });
    const proposals = metrics.counter({ name: 'tidedb_kv_raft_proposals_total', help: 'Raft proposals.', labelNames: ['type'] });
    const regions = metrics.gauge({ name: 'tidedb_kv_region_count', help: 'Regions on this store.' });
    const applyDuration = metrics.histogram({
      name: 'tidedb_kv_apply_duration_seconds',
      help: 'Time to apply a batch.',
      buckets: [0.001, 0.01, 0.1],
    });
    proposals.inc({ type: 'normal' }, 3);
    proposals.inc({ type: 'conf_change' });
    regions.set(17);
    applyDuration.observe(0.005);
    applyDuration.observe(0.05);
    const text = await metrics.exposition();
    assert.match(text, /^# HELP tidedb_kv_raft_proposals_total Raft proposals\.$/m);
    assert.match(text, /^# TYPE tidedb_kv_raft_proposals_total counter$/m);
    assert.match(text, /^tidedb_kv_raft_proposals_total\{type="normal"\} 3$/m);
    assert.match(text, /^tidedb_kv_raft_proposals_total\{type="conf_change"\} 1$/m);
    assert.match(text, /^tidedb_kv_region_count 17$/m);
    assert.match(text, /^tidedb_kv_apply_duration_seconds_bucket\{le="0.01"\} 1$/m);
    assert.match(text, /^tidedb_kv_apply_duration_seconds_count 2$/m);
    assert.doesNotMatch(text, /nodejs|process_/, 'no default metrics when turned off');
  });

  test('gauges may be computed at scrape time', async () => {
    const metrics = createMetricsRegistry('pd', { defaultMetrics: false });
    let stores = 2;
    metrics.gauge({
      name: 'tidedb_pd_store_count',
      help: 'Stores known to PD.',
      collect() {
        this.set(stores);
      },
    });
    assert.match(await metrics.exposition(), /^tidedb_pd_store_count 2$/m);
    stores = 5;
    assert.match(await metrics.exposition(), /^tidedb_pd_store_count 5$/m);
  });

  test('a bad name throws at registration', () => {
    const metrics = createMetricsRegistry('sql', { defaultMetrics: false });
    assert.throws(() => metrics.counter({ name: 'tidedb_sql_queries', help: 'x' }), MetricNameError);
    assert.throws(() => metrics.gauge({ name: 'tidedb_kv_region_count', help: 'x' }), /must start with "tidedb_sql_"/);
    assert.throws(() => metrics.histogram({ name: 'tidedb_sql_query_duration_ms', help: 'x' }), MetricNameError);
    assert.throws(() => metrics.counter({ name: 'tidedb_sql_queries_total', help: 'x', labelNames: ['Kind'] }), /invalid label/);
    assert.throws(() => metrics.counter({ name: 'tidedb_sql_queries_total', help: ' ' }), /help must say/);
    assert.throws(
      () => metrics.histogram({ name: 'tidedb_sql_query_duration_seconds', help: 'x', buckets: [1, 1, 2] }),
      /strictly increasing/,
    );
    assert.throws(() => createMetricsRegistry('SQL'), MetricNameError);
  });

  test('registering a name twice is an error', () => {
    const metrics = createMetricsRegistry('sql', { defaultMetrics: false });
    metrics.counter({ name: 'tidedb_sql_queries_total', help: 'Queries.' });
    assert.throws(() => metrics.counter({ name: 'tidedb_sql_queries_total', help: 'Queries.' }), /already been registered/);
  });

  test('registries are separate, and default metrics carry the component prefix', async () => {
    const kv = createMetricsRegistry('kv');
    const sql = createMetricsRegistry('sql');
    kv.counter({ name: 'tidedb_kv_only_here_total', help: 'x' });
    const kvText = await kv.exposition();
    const sqlText = await sql.exposition();
    assert.match(kvText, /^tidedb_kv_only_here_total 0$/m);
    assert.doesNotMatch(sqlText, /only_here/);
    assert.match(kvText, /^tidedb_kv_process_cpu_user_seconds_total /m);
    assert.match(sqlText, /^tidedb_sql_nodejs_heap_size_used_bytes /m);
  });
});
