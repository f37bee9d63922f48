// `rongsync serve` — the long-running reconciler (see src/service/serve.ts) and its HTTP server
// (health, metrics, console: src/http/). Any number of replicas may run; one leads. SIGTERM/SIGINT
// stop it gracefully: the HTTP server closes, then the library (service, pool) as every command's.
// `rongsync start` runs the same thing (runServe) inside its sandbox.
import type { Command } from 'commander';
import { createHttpServer, type HttpServer } from '../../http/server.js';
import type { ReconcileService } from '../../service/serve.js';
import type { CliContext } from '../context.js';
import { firstSignal } from '../interrupt.js';
import { progressLog } from '../progress.js';

export interface RunServeOptions {
  /**
   * Resolves (with what asked) when serve should stop. @default the first SIGINT / SIGTERM (the
   * handlers are removed then, so a second signal stops the process at once)
   */
  until?: Promise<string>;
  /** The local sandbox: the console open without a token on loopback (see createHttpServer). @default false */
  openWithoutToken?: boolean;
  /** Told once the service runs (after a wait for the database); `http` is null when RONGSYNC_HTTP_PORT=0. */
  onStarted?: (started: { service: ReconcileService; http: HttpServer | null }) => void;
}

/** Runs the service and its HTTP server until `until`; the caller closes the library afterwards. */
export async function runServe(ctx: CliContext, options: RunServeOptions = {}): Promise<void> {
  const config = ctx.config();
  const logger = ctx.logger();
  const rongsync = ctx.api();
  let service: ReconcileService | undefined;
  let http = null as HttpServer | null;
  let stopping = false;
  const progress = progressLog(logger);
  const stopped = (options.until ?? firstSignal()).then((signal) => {
    stopping = true;
    logger.info({ signal }, 'shutting down');
    // Also ends a start still waiting for the database.
    void service?.stop().catch((e: unknown) => logger.error({ err: e }, 'error during shutdown'));
  });
  // The HTTP server is up before the service starts, so a probe hears why it is not ready
  // (the service waits, logging why, with backoff, while the database is unreachable or not migrated).
  const started = rongsync
    .serve({
      onCreated: async (s) => {
        service = s;
        // A long run (a large backlog, a verification slice) logs its progress every ~10 s.
        s.on('progress', progress.listener);
        if (config.http.port !== 0) http = await createHttpServer(rongsync, s, { logger, openWithoutToken: options.openWithoutToken ?? false });
      },
    })
    .then((s) => {
      if (stopping) return;
      logger.info({ leader: s.isLeader, cron: config.reconcile.cron, mode: config.reconcile.mode, http: http?.url ?? 'off' }, 'rongsync serve started');
      options.onStarted?.({ service: s, http });
    });
  try {
    await Promise.race([started, stopped]);
    await stopped;
  } finally {
    progress.stop();
    await http?.close();
  }
}

export function registerServe(program: Command, ctx: CliContext): void {
  program
    .command('serve')
    .description('run continuously: react to table changes, reconcile on the cron schedule, verify RongCloud; serve health, metrics and the console over HTTP')
    // The CLI closes the library after every command: that stops the service and the pool.
    .action(() => runServe(ctx));
}
