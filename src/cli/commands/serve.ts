// `rongsync serve` — the long-running reconciler (see src/reconcile/serve.ts) and its HTTP server
// (health, metrics, console: src/http/). Any number of replicas may run; one leads. SIGTERM/SIGINT
// stop it gracefully: the HTTP server closes, then the library (service, pool) as every command's.
import type { Command } from 'commander';
import { createHttpServer, type HttpServer } from '../../http/server.js';
import type { ReconcileService } from '../../reconcile/serve.js';
import type { CliContext } from '../context.js';
import { progressLog } from '../progress.js';

export function registerServe(program: Command, ctx: CliContext): void {
  program
    .command('serve')
    .description('run continuously: react to table changes, reconcile on the cron schedule, verify RongCloud; serve health, metrics and the console over HTTP')
    .action(async () => {
      const config = ctx.config();
      const logger = ctx.logger();
      const rongsync = ctx.api();
      let service: ReconcileService | undefined;
      let http = null as HttpServer | null;
      let stopping = false;
      const progress = progressLog(logger);
      const stopped = new Promise<void>((resolve) => {
        const stop = (signal: string) => {
          stopping = true;
          logger.info({ signal }, 'shutting down');
          process.off('SIGTERM', onTerm);
          process.off('SIGINT', onInt);
          // Also ends a start still waiting for the database.
          void service?.stop().catch((e: unknown) => logger.error({ err: e }, 'error during shutdown'));
          resolve();
        };
        const onTerm = () => stop('SIGTERM');
        const onInt = () => stop('SIGINT');
        process.on('SIGTERM', onTerm);
        process.on('SIGINT', onInt);
      });
      // The HTTP server is up before the service starts, so a probe hears why it is not ready
      // (the service waits, logging why, with backoff, while the database is unreachable or not migrated).
      const started = rongsync
        .serve({
          onCreated: async (s) => {
            service = s;
            // A long run (a large backlog, a verification slice) logs its progress every ~10 s.
            s.on('progress', progress.listener);
            if (config.http.port !== 0) http = await createHttpServer(rongsync, s, { logger });
          },
        })
        .then((s) => {
          if (!stopping) logger.info({ leader: s.isLeader, cron: config.reconcile.cron, mode: config.reconcile.mode, http: http?.url ?? 'off' }, 'rongsync serve started');
        });
      await Promise.race([started, stopped]);
      await stopped;
      progress.stop();
      await http?.close();
      // The CLI closes the library after every command: that stops the service and the pool.
    });
}
