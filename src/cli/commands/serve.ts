// `rongsync serve` — the long-running reconciler (see src/reconcile/serve.ts). Any number of
// replicas may run; one leads. SIGTERM/SIGINT stop it gracefully.
import type { Command } from 'commander';
import { openReconciler } from '../../reconcile/open.js';
import { ReconcileService } from '../../reconcile/serve.js';
import type { CliContext } from '../context.js';

export function registerServe(program: Command, ctx: CliContext): void {
  program
    .command('serve')
    .description('run continuously: react to table changes, reconcile on the cron schedule, verify RongCloud')
    .action(async () => {
      const config = ctx.config();
      const logger = ctx.logger();
      const r = openReconciler(config, logger);
      const service = new ReconcileService(r.deps, { databaseUrl: config.databaseUrl });
      // The service logs every failure itself; an 'error' event nobody listens to would throw.
      service.on('error', () => {});
      let stopping = false;
      const stopped = new Promise<void>((resolve) => {
        const stop = (signal: string) => {
          stopping = true;
          logger.info({ signal }, 'shutting down');
          process.off('SIGTERM', onTerm);
          process.off('SIGINT', onInt);
          service
            .stop()
            .then(() => r.close())
            .then(resolve, (e: unknown) => {
              logger.error({ err: e }, 'error during shutdown');
              resolve();
            });
        };
        const onTerm = () => stop('SIGTERM');
        const onInt = () => stop('SIGINT');
        process.on('SIGTERM', onTerm);
        process.on('SIGINT', onInt);
      });
      // Waits (logging why, with backoff) while the database is unreachable or not migrated.
      await service.start();
      if (!stopping) logger.info({ leader: service.isLeader, cron: config.reconcile.cron, mode: config.reconcile.mode }, 'rongsync serve started');
      await stopped;
    });
}
