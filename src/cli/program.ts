// Builds the `rongsync` command tree. Each command lives in commands/<name>.ts and registers
// itself here; the program is built fresh per invocation so tests can run it in-process.
//
// Failures a user can fix print as one or two lines — what is wrong and the fix — and exit 1; the
// stack (with the driver error it was translated from) only at LOG_LEVEL=debug. (Commands that use
// rongsync's tables check that the database is migrated at their first query: src/db/client.ts.)
import { inspect } from 'node:util';
import { Command, CommanderError } from 'commander';
import { loadConfig, type Config } from '../config/load.js';
import { databaseTarget, translateDatabaseError } from '../db/errors.js';
import { RongsyncError } from '../errors.js';
import { createLogger, type Logger } from '../log/logger.js';
import { registerEmulator } from './commands/emulator.js';
import { registerApply } from './commands/apply.js';
import { registerMigrate } from './commands/migrate.js';
import { registerPause } from './commands/pause.js';
import { registerPlan } from './commands/plan.js';
import { registerPrune } from './commands/prune.js';
import { registerQuarantine } from './commands/quarantine.js';
import { registerReport } from './commands/report.js';
import { registerServe } from './commands/serve.js';
import type { CliContext } from './context.js';

const COMMANDS: Array<(program: Command, ctx: CliContext) => void> = [registerMigrate, registerPlan, registerApply, registerServe, registerEmulator, registerReport, registerQuarantine, registerPause, registerPrune];

export interface RunCliOptions {
  env: Record<string, string | undefined>;
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
}

/** Runs the CLI with `argv` (without node and script); resolves to the exit code. */
export async function runCli(argv: string[], options: RunCliOptions): Promise<number> {
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  let config: Config | undefined;
  let logger: Logger | undefined;
  const ctx: CliContext = {
    config: () => (config ??= loadConfig(options.env)),
    logger: () => (logger ??= createLogger(ctx.config().logLevel)),
    stdout,
    stderr,
    exitCode: 0,
  };

  const program = new Command('rongsync')
    .description('Keeps RongCloud IM groups equal to the groups / group_members tables in Postgres.')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => stdout.write(s),
      writeErr: (s) => stderr.write(s),
    });
  for (const register of COMMANDS) register(program, ctx);

  try {
    await program.parseAsync(argv, { from: 'user' });
    return ctx.exitCode;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help / --version exit 0; usage errors were already printed by commander.
      return e.exitCode;
    }
    const debug = ['debug', 'trace'].includes(options.env['LOG_LEVEL'] ?? '');
    // A driver error that reached this far untranslated still gets its fix named.
    const error = config ? translateDatabaseError(e, databaseTarget(config.databaseUrl)) : e;
    if (error instanceof RongsyncError) {
      stderr.write(`rongsync: ${error.message}\n`);
    } else {
      stderr.write(`rongsync: unexpected error: ${error instanceof Error ? error.message : String(error)}\n`);
      if (!debug) stderr.write('(run with LOG_LEVEL=debug for the stack)\n');
    }
    if (debug) stderr.write(`${inspect(error, { depth: 6 })}\n`);
    return 1;
  }
}
