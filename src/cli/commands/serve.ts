// `rongsync serve` — the long-running reconciler (see src/reconcile/serve.ts) and its HTTP server
// (health, metrics, console: src/http/). Any number of replicas may run; one leads. SIGTERM/SIGINT
// stop it gracefully: the HTTP server closes, then the library (service, pool) as every command's.
import type { Command } from 'commander';
import { createHttpServer } from '../../http/server.js';
import type { CliContext } from '../context.js';

export function registerServe(program: Command, ctx: CliContext): void {
  program
    .command('serve')
    .description('run continuously: react to table changes, reconcile on the cron schedule, verify RongCloud; serve health, metrics and the console over HTTP')
    .action(async () => {
      const config = ctx.config();
      const logger = ctx.logger();
      const stopped = new Promise<void>((resolve) => {
        const stop = (signal: string) => {
          logger.info({ signal }, 'shutting down');
          process.off('SIGTERM', onTerm);
          process.off('SIGINT', onInt);
          resolve();
        };
        const onTerm = () => stop('SIGTERM');
        const onInt = () => stop('SIGINT');
        process.on('SIGTERM', onTerm);
        process.on('SIGINT', onInt);
      });
      const rongsync = ctx.api();
      const service = await rongsync.serve();
      const http = config.http.port === 0 ? null : await createHttpServer(rongsync, service, { logger });
      logger.info({ leader: service.isLeader, cron: config.reconcile.cron, mode: config.reconcile.mode, http: http?.url ?? 'off' }, 'rongsync serve started');
      await stopped;
      await http?.close();
      // The CLI closes the library after every command: that stops the service and the pool.
    });
}
