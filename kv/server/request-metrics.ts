import type { MetricsRegistry } from '../../common/metrics/index.js';
import type { KvHandlers } from './kv-handlers.js';

/** Latency buckets for KV requests, in seconds (100 µs to 10 s). */
const requestBuckets = [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 2.5, 10];

/** How a response went, from the fields kvrpcpb responses carry. */
function outcomeOf(response: unknown): 'ok' | 'region_error' | 'key_error' {
  if (typeof response !== 'object' || response === null) return 'ok';
  const fields = response as { regionError?: unknown; error?: unknown; errors?: unknown[] };
  if (fields.regionError !== undefined) return 'region_error';
  const error = fields.error;
  if ((error !== undefined && error !== '' && error !== null) || (fields.errors?.length ?? 0) > 0) return 'key_error';
  return 'ok';
}

/**
 * Wraps every KV command with request metrics: a counter by command and outcome, and a
 * latency histogram by command. Unary calls and BatchCommands share the wrapped handlers,
 * so both are counted.
 */
export function instrumentHandlers(handlers: KvHandlers, registry: MetricsRegistry): KvHandlers {
  const requests = registry.counter({ name: 'tidedb_kv_requests_total', help: 'KV requests by command and outcome', labelNames: ['type', 'outcome'] });
  const latency = registry.histogram({ name: 'tidedb_kv_request_duration_seconds', help: 'KV request latency by command', labelNames: ['type'], buckets: requestBuckets });
  const wrapped: Record<string, unknown> = {};
  for (const [type, handler] of Object.entries(handlers) as Array<[string, (request: unknown) => Promise<unknown>]>) {
    wrapped[type] = async (request: unknown) => {
      const started = performance.now();
      const response = await handler(request);
      latency.observe({ type }, (performance.now() - started) / 1000);
      requests.inc({ type, outcome: outcomeOf(response) });
      return response;
    };
  }
  return wrapped as KvHandlers;
}
