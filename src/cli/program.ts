// Builds the `rongsync` command tree. Each command lives in commands/<name>.ts and registers
// itself here; the program is built fresh per invocation so tests can run it in-process.
import { Command, CommanderError } from 'commander';
import { loadConfig, type Config } from '../config/load.js';
import { RongsyncError } from '../errors.js';
import { createLogger, type Logger } from '../log/logger.js';
import { createRongsync, type Rongsync } from '../rongsync.js';
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
  let api: Rongsync | undefined;
  const ctx: CliContext = {
    config: () => (config ??= loadConfig(options.env)),
    logger: () => (logger ??= createLogger(ctx.config().logLevel)),
    api: () => (api ??= createRongsync({ loadedConfig: ctx.config(), logger: ctx.logger() })),
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
    if (e instanceof RongsyncError) {
      stderr.write(`rongsync: ${e.message}\n`);
      return 1;
    }
    stderr.write(`rongsync: unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return 1;
  } finally {
    await api?.close();
  }
}
