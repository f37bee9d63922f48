// The HTTP server of `serve` (one per process; standbys serve it too): /healthz, /readyz and
// /metrics, open, carrying no personal data; the web console at / and the JSON API under /api,
// behind RONGSYNC_ADMIN_TOKEN (auth.ts). It calls only the library object and the service it
// started — no SQL here.
//
// Fastify, not node:http: the console and the API need routing with path parameters, JSON and
// form bodies with size limits, one error handler that never leaks a stack, and a clean close —
// each a small hand-written piece on node:http that Fastify already gets right.
import Fastify, { type FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import { Secret } from '../config/secret.js';
import { ConfigError } from '../errors.js';
import { silentLogger, type Logger } from '../log/logger.js';
import type { ReconcileService } from '../service/serve.js';
import type { Rongsync } from '../rongsync.js';
import { registerApiRoutes } from './api-routes.js';
import { decideAccess, isLoopback, type AccessMode } from './auth.js';
import { messagePage, registerConsoleRoutes } from './console-routes.js';
import { errorHandler } from './errors.js';
import { registerHealthRoutes, type HealthOptions } from './health.js';
import { registerLiveEvents } from './live.js';
import { createMetrics, type MetricsOptions } from './metrics.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** open: no token (probes, metrics, assets, login); page: a console page; default: the JSON API. */
    access?: 'open' | 'page' | 'api';
  }
}

export interface HttpServerOptions {
  /** @default config.http.host (RONGSYNC_HTTP_HOST) */
  host?: string;
  /** 0 = any free port. @default config.http.port (RONGSYNC_HTTP_PORT) */
  port?: number;
  /** @default config.http.adminToken (RONGSYNC_ADMIN_TOKEN) */
  adminToken?: Secret | string;
  /**
   * Local sandbox: with no token configured, open the console and the API to anyone who can reach
   * them — honoured only when the server listens on a loopback address (127.0.0.0/8, ::1,
   * localhost), and said so in the log at start. @default false
   */
  openWithoutToken?: boolean;
  /** @default silent */
  logger?: Logger;
  health?: HealthOptions;
  metrics?: Omit<MetricsOptions, 'logger'>;
}

export interface HttpServer {
  /** e.g. http://127.0.0.1:9300/ */
  readonly url: string;
  readonly port: number;
  /** How the console and the API are protected. */
  readonly access: AccessMode['kind'];
  close(): Promise<void>;
}

function accessMode(token: Secret | string | undefined, open: boolean, host: string, logger: Logger): AccessMode {
  if (token !== undefined) return { kind: 'token', token: typeof token === 'string' ? new Secret(token) : token };
  if (!open) return { kind: 'closed' };
  if (isLoopback(host)) return { kind: 'open' };
  logger.warn({ host }, 'openWithoutToken ignored: the server does not listen on a loopback address; the console and the JSON API are refused until RONGSYNC_ADMIN_TOKEN is set');
  return { kind: 'closed' };
}

const hostInUrl = (host: string) => (host.includes(':') ? `[${host}]` : host);

/** Builds the server and starts listening; rejects when the port cannot be bound. */
export async function createHttpServer(rongsync: Rongsync, service: ReconcileService | null, options: HttpServerOptions = {}): Promise<HttpServer> {
  const logger = options.logger ?? silentLogger;
  const host = options.host ?? rongsync.config.http.host;
  const port = options.port ?? rongsync.config.http.port;
  const mode = accessMode(options.adminToken ?? rongsync.config.http.adminToken, options.openWithoutToken ?? false, host, logger);

  const app: FastifyInstance = Fastify({ logger: false, bodyLimit: 64 * 1024, routerOptions: { maxParamLength: 4096 }, return503OnClosing: true, forceCloseConnections: true });
  app.setErrorHandler(errorHandler(logger));
  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).send({ error: 'not_found', message: `no route ${request.method} ${request.url.split('?')[0]}` });
  });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });
  app.addHook('onSend', async (_request, reply) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
  });
  app.addHook('onRequest', async (request, reply) => {
    const access = request.routeOptions.config?.access ?? 'api';
    if (access === 'open') return;
    const d = decideAccess(mode, request, Date.now());
    if (d.ok) return;
    if (access === 'page') {
      if (d.status === 401) return reply.redirect('/login', 303);
      return reply.code(d.status).type('text/html; charset=utf-8').send(messagePage('Access refused', d.message));
    }
    return reply.code(d.status).send({ error: d.error, message: d.message });
  });

  const monitor = registerHealthRoutes(app, rongsync, service, options.health);
  const metrics = createMetrics(rongsync, service, { ...options.metrics, logger });
  app.get('/metrics', { config: { access: 'open' } }, async (_request, reply) => reply.type(metrics.registry.contentType).send(await metrics.scrape()));
  registerApiRoutes(app, rongsync, service);
  registerLiveEvents(app, rongsync, service);
  registerConsoleRoutes(app, mode);
  app.addHook('onClose', async () => {
    monitor.close();
    metrics.close();
  });

  try {
    await app.listen({ host, port });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw e;
    await app.close();
    throw new ConfigError([`RONGSYNC_HTTP_PORT: port ${port} on ${host} is in use; choose a free one (e.g. RONGSYNC_HTTP_PORT=${port === 9300 ? 9301 : 9300}), or 0 to turn the HTTP server off`]);
  }
  const bound = (app.server.address() as AddressInfo).port;
  const url = `http://${hostInUrl(host)}:${bound}/`;
  logger.info({ url }, `HTTP server listening: console ${url}, probes ${url}healthz and ${url}readyz, metrics ${url}metrics`);
  if (mode.kind === 'open') logger.warn({ url }, `console and JSON API OPEN WITHOUT A TOKEN (local sandbox), reachable from this machine only: ${url}`);
  if (mode.kind === 'closed') logger.info('console and JSON API refused: set RONGSYNC_ADMIN_TOKEN to use them');
  return {
    url,
    port: bound,
    access: mode.kind,
    close: () => app.close(),
  };
}
