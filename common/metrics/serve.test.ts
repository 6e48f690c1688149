import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { createMetricsRegistry } from './registry.js';
import { HttpError, serveMetrics } from './serve.js';

/** Resolves when a fresh server can bind host:port, i.e. nobody holds it any more. */
function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen({ host: '127.0.0.1', port, exclusive: true }, () => probe.close(() => resolve(true)));
  });
}

describe('serveMetrics', () => {
  test('serves /metrics in the Prometheus text format over a real socket', async () => {
    const metrics = createMetricsRegistry('kv', { defaultMetrics: false });
    const writes = metrics.counter({ name: 'tidedb_kv_writes_total', help: 'Writes applied.', labelNames: ['cf'] });
    writes.inc({ cf: 'default' }, 42);
    const server = await serveMetrics({ host: '127.0.0.1', port: 0, registry: metrics });
    try {
      assert.ok(server.port > 0);
      const response = await fetch(`http://127.0.0.1:${server.port}/metrics`);
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
      const text = await response.text();
      assert.match(text, /^# TYPE tidedb_kv_writes_total counter$/m);
      assert.match(text, /^tidedb_kv_writes_total\{cf="default"\} 42$/m);

      writes.inc({ cf: 'default' });
      const again = await (await fetch(`http://127.0.0.1:${server.port}/metrics?x=1`)).text();
      assert.match(again, /^tidedb_kv_writes_total\{cf="default"\} 43$/m);
    } finally {
      await server.close();
    }
  });

  test('serves caller JSON routes, 404 for unknown paths, 405 for other methods, 500 on a failing route', async () => {
    const metrics = createMetricsRegistry('kv', { defaultMetrics: false });
    const server = await serveMetrics({
      host: '127.0.0.1',
      port: 0,
      registry: metrics.registry,
      extraRoutes: {
        '/status': () => ({ storeId: 1n << 60n, regions: 3 }),
        '/slow': async () => ({ ready: true }),
        '/broken': () => {
          throw new Error('not ready');
        },
      },
    });
    const base = `http://127.0.0.1:${server.port}`;
    try {
      const status = await fetch(`${base}/status`);
      assert.equal(status.status, 200);
      assert.equal(status.headers.get('content-type'), 'application/json; charset=utf-8');
      assert.deepEqual(await status.json(), { storeId: (1n << 60n).toString(), regions: 3 });
      assert.deepEqual(await (await fetch(`${base}/slow`)).json(), { ready: true });

      const missing = await fetch(`${base}/nope`);
      assert.equal(missing.status, 404);
      assert.deepEqual(await missing.json(), { error: 'no route /nope' });

      const post = await fetch(`${base}/metrics`, { method: 'POST', body: 'x' });
      assert.equal(post.status, 405);
      assert.equal(post.headers.get('allow'), 'GET, HEAD');
      await post.body?.cancel();

      const broken = await fetch(`${base}/broken`);
      assert.equal(broken.status, 500);
      assert.deepEqual(await broken.json(), { error: 'not ready' });
    } finally {
      await server.close();
    }
  });

  test('POST routes take a JSON body; bad JSON is 400, a route HttpError sets the status, GET on them is 405', async () => {
    const metrics = createMetricsRegistry('pd', { defaultMetrics: false });
    const received: unknown[] = [];
    const server = await serveMetrics({
      host: '127.0.0.1',
      port: 0,
      registry: metrics.registry,
      postRoutes: {
        '/pd/api/v1/schedulers': (body) => {
          received.push(body);
          if (typeof body !== 'object' || body === null || !('name' in body)) throw new HttpError(400, 'name is required');
          return { ok: true };
        },
      },
    });
    const base = `http://127.0.0.1:${server.port}/pd/api/v1/schedulers`;
    try {
      const ok = await fetch(base, { method: 'POST', body: JSON.stringify({ name: 'balance-leader', enabled: false }) });
      assert.equal(ok.status, 200);
      assert.deepEqual(await ok.json(), { ok: true });
      assert.deepEqual(received, [{ name: 'balance-leader', enabled: false }]);
      const missing = await fetch(base, { method: 'POST', body: '{}' });
      assert.equal(missing.status, 400);
      assert.deepEqual(await missing.json(), { error: 'name is required' });
      const garbage = await fetch(base, { method: 'POST', body: '{nope' });
      assert.equal(garbage.status, 400);
      await garbage.body?.cancel();
      const get = await fetch(base);
      assert.equal(get.status, 405);
      assert.equal(get.headers.get('allow'), 'POST');
      await get.body?.cancel();
    } finally {
      await server.close();
    }
  });

  test('close frees the port, even with a keep-alive connection open', async () => {
    const metrics = createMetricsRegistry('pd', { defaultMetrics: false });
    const server = await serveMetrics({ host: '127.0.0.1', port: 0, registry: metrics });
    const response = await fetch(`http://127.0.0.1:${server.port}/metrics`, { headers: { connection: 'keep-alive' } });
    await response.text();
    assert.equal(await canBind(server.port), false, 'the port is held while serving');
    await server.close();
    await server.close();
    assert.equal(await canBind(server.port), true, 'the port is free after close');
  });

  test('binds exactly the given port and reports a port already in use', async () => {
    const metrics = createMetricsRegistry('pd', { defaultMetrics: false });
    const first = await serveMetrics({ host: '127.0.0.1', port: 0, registry: metrics });
    try {
      await assert.rejects(serveMetrics({ host: '127.0.0.1', port: first.port, registry: metrics }), { code: 'EADDRINUSE' });
    } finally {
      await first.close();
    }
  });

  test('rejects bad options before binding', async () => {
    const metrics = createMetricsRegistry('pd', { defaultMetrics: false });
    await assert.rejects(serveMetrics({ host: '127.0.0.1', port: 70000, registry: metrics }), /port must be an integer/);
    await assert.rejects(serveMetrics({ host: '', port: 0, registry: metrics }), /host must not be empty/);
    await assert.rejects(
      serveMetrics({ host: '127.0.0.1', port: 0, registry: metrics, extraRoutes: { status: () => 1 } }),
      /must start with "\/"/,
    );
  });
});
