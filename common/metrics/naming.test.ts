import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MetricNameError, checkComponentName, checkLabelNames, checkMetricName, type MetricKind } from './naming.js';

describe('checkMetricName', () => {
  const valid: [MetricKind, string][] = [
    ['counter', 'tidedb_kv_raft_proposals_total'],
    ['counter', 'tidedb_kv_write_bytes_total'],
    ['gauge', 'tidedb_kv_region_count'],
    ['gauge', 'tidedb_kv_store_used_bytes'],
    ['gauge', 'tidedb_kv_build_info'],
    ['gauge', 'tidedb_pd_cluster_balance_ratio'],
    ['histogram', 'tidedb_sql_query_duration_seconds'],
    ['histogram', 'tidedb_kv_scan_keys'],
    ['histogram', 'tidedb_kv_coprocessor_response_rows'],
    ['histogram', 'tidedb_kv_raft_append_log_bytes'],
  ];
  for (const [kind, name] of valid) {
    test(`accepts ${kind} ${name}`, () => {
      const component = name.split('_')[1] ?? '';
      assert.doesNotThrow(() => checkMetricName(component, kind, name));
    });
  }

  const invalid: [MetricKind, string, RegExp][] = [
    ['counter', 'kv_raft_proposals_total', /must start with "tidedb_kv_"/],
    ['counter', 'tidedb_pd_raft_proposals_total', /must start with "tidedb_kv_"/],
    ['counter', 'tidedb_kv_raft_proposals', /a counter must end in "_total"/],
    ['counter', 'tidedb_kv_total', /needs a <what> before "_total"/],
    ['gauge', 'tidedb_kv_region_total', /only counters end in "_total"/],
    ['gauge', 'tidedb_kv_region', /a gauge must end in one of _seconds, _bytes, _keys, _rows, _ratio, _count, _info/],
    ['gauge', 'tidedb_kv_apply_wait_milliseconds', /must end in one of/],
    ['gauge', 'tidedb_kv_bytes', /needs a <what> before "_bytes"/],
    ['histogram', 'tidedb_kv_batch_count', /a histogram must end in one of _seconds, _bytes, _keys, _rows, _ratio$/],
    ['histogram', 'tidedb_kv_build_info', /a histogram must end in one of/],
    ['histogram', 'tidedb_kv_Apply_seconds', /expected lowercase words/],
    ['histogram', 'tidedb_kv_apply__seconds', /expected lowercase words/],
    ['histogram', 'tidedb_kv_apply-wait_seconds', /expected lowercase words/],
    ['histogram', 'tidedb_kv_', /expected lowercase words/],
  ];
  for (const [kind, name, message] of invalid) {
    test(`rejects ${kind} ${name}`, () => {
      assert.throws(
        () => checkMetricName('kv', kind, name),
        (error: unknown) => error instanceof MetricNameError && message.test(error.message) && error.message.includes(name),
      );
    });
  }
});

describe('checkComponentName and checkLabelNames', () => {
  test('components are lowercase words', () => {
    assert.doesNotThrow(() => checkComponentName('kv'));
    assert.doesNotThrow(() => checkComponentName('kv_client'));
    for (const bad of ['', 'KV', 'k-v', '_kv', 'kv_', '1kv']) assert.throws(() => checkComponentName(bad), MetricNameError);
  });

  test('labels are snake_case, unique, and not reserved', () => {
    assert.doesNotThrow(() => checkLabelNames('m', ['type', 'store_id']));
    assert.throws(() => checkLabelNames('m', ['Type']), /invalid label "Type" on m/);
    assert.throws(() => checkLabelNames('m', ['__name']), /invalid label/);
    assert.throws(() => checkLabelNames('m', ['le']), /invalid label "le"/);
    assert.throws(() => checkLabelNames('m', ['type', 'type']), /duplicate label "type"/);
  });
});
