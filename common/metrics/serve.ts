import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { MetricsRegistry } from './registry.js';

/** Answers a JSON route such as `/status`, synchronously or with a promise; the result is sent as JSON (bigints as strings). */
export type JsonRoute = () => unknown;

/** Answers a POST with a JSON body; throw `HttpError` to answer with a status of your choice. */
export type JsonPostRoute = (body: unknown) => unknown;

/** An error a route throws to answer with a specific status (400 for a bad request, say). */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/** The largest request body a POST route accepts. */
const maxPostBodyBytes = 64 * 1024;

export interface MetricsServerOptions {
  /** The exact address to bind; nothing else is listened on. Tests use 127.0.0.1. */
  readonly host: string;
  /** 0 picks a free ephemeral port; the chosen one is in the result. */
  readonly port: number;
  readonly registry: MetricsRegistry | Registry;
  /** Extra GET routes by exact path, e.g. `{'/status': () => store.status()}`. */
  readonly extraRoutes?: Readonly<Record<string, JsonRoute>>;
  /** POST routes by exact path; the request body is parsed as JSON. */
  readonly postRoutes?: Readonly<Record<string, JsonPostRoute>>;
}

export interface MetricsServer {
  /** The port actually bound (the ephemeral one when 0 was asked for). */
  readonly port: number;
  /** Stops listening, drops open keep-alive connections and resolves once the port is free. */
  close(): Promise<void>;
}

/**
 * Starts the HTTP endpoint every TideDB process exposes: `GET /metrics` in the Prometheus
 * text format, plus the caller's JSON routes. Unknown paths get 404, other methods 405.
 */
export async function serveMetrics(options: MetricsServerOptions): Promise<MetricsServer> {
  if (options.host.length === 0) throw new RangeError('serveMetrics: host must not be empty');
  if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535) {
    throw new RangeError(`serveMetrics: port must be an integer from 0 to 65535, got ${options.port}`);
  }
  const registry = options.registry instanceof MetricsRegistry ? options.registry.registry : options.registry;
  const routes = new Map<string, JsonRoute>(Object.entries(options.extraRoutes ?? {}));
  const postRoutes = new Map<string, JsonPostRoute>(Object.entries(options.postRoutes ?? {}));
  for (const path of routes.keys()) {
    if (!path.startsWith('/') || path === '/metrics') {
      throw new RangeError(`serveMetrics: route ${JSON.stringify(path)} must start with "/" and not be /metrics`);
    }
  }

  const server = createServer((request, response) => {
    handle(request, response, registry, routes, postRoutes).catch((error: unknown) => {
      const status = error instanceof HttpError ? error.status : 500;
      if (!response.headersSent) sendJson(response, status, { error: error instanceof Error ? error.message : String(error) });
      else response.destroy();
    });
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error): void => reject(error);
    server.once('error', onError);
    server.listen({ host: options.host, port: options.port, exclusive: true }, () => {
      server.off('error', onError);
      resolve();
    });
  });

  const address = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    port: address.port,
    close(): Promise<void> {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error === undefined ? resolve() : reject(error)));
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

async function handle(
  request: IncomingMessage,
  response: ServerResponse,
  registry: Registry,
  routes: ReadonlyMap<string, JsonRoute>,
  postRoutes: ReadonlyMap<string, JsonPostRoute>,
): Promise<void> {
  const path = new URL(request.url ?? '/', 'http://localhost').pathname;
  const postRoute = postRoutes.get(path);
  if (postRoute !== undefined && request.method === 'POST') {
    sendJson(response, 200, await postRoute(await readJsonBody(request)));
    return;
  }
  const route = routes.get(path);
  if (path !== '/metrics' && route === undefined && postRoute === undefined) {
    sendJson(response, 404, { error: `no route ${path}` });
    return;
  }
  if ((request.method !== 'GET' && request.method !== 'HEAD') || (route === undefined && path !== '/metrics')) {
    response.setHeader('Allow', route === undefined && path !== '/metrics' ? 'POST' : 'GET, HEAD');
    sendJson(response, 405, { error: `method ${request.method ?? ''} not allowed` });
    return;
  }
  if (route !== undefined) {
    sendJson(response, 200, await route());
    return;
  }
  const body = await registry.metrics();
  response.writeHead(200, { 'Content-Type': registry.contentType, 'Content-Length': Buffer.byteLength(body) });
  response.end(body);
}

async function readJsonBody(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > maxPostBodyBytes) throw new HttpError(413, `request body over ${maxPostBodyBytes} bytes`);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpError(400, 'request body is not valid JSON');
  }
}

function sendJson(response: ServerResponse, status: number, value: unknown): void {
  const body = `${JSON.stringify(value ?? null, (_key, field: unknown) => (typeof field === 'bigint' ? field.toString() : field))}\n`;
  response.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
  response.end(body);
}
