// Builds the `rongsync` command tree. Each command lives in commands/<name>.ts and registers
// itself here; the program is built fresh per invocation so tests can run it in-process.
//
// Failures a user can fix print as one or two lines — what is wrong and the fix — and exit 1; the
// stack (with the driver error it was translated from) only at LOG_LEVEL=debug. (Commands that use
// rongsync's tables check that the database is migrated at their first query: src/db/client.ts.)
import { inspect } from 'node:util';
import { Command, CommanderError } from 'commander';
import { readEnvFile, withEnvFile, type EnvFile } from '../config/env-file.js';
import { loadConfig, type Config } from '../config/load.js';
import { databaseTarget, translateDatabaseError } from '../db/errors.js';
import { RongsyncError } from '../errors.js';
import { createLogger, type Logger } from '../log/logger.js';
import { chooseLogSetup, wantsColor } from '../log/setup.js';
import { createRongsync, type Rongsync } from '../rongsync.js';
import { registerEmulator } from './commands/emulator.js';
import { registerApply } from './commands/apply.js';
import { registerExplain } from './commands/explain.js';
import { registerMigrate } from './commands/migrate.js';
import { registerPause } from './commands/pause.js';
import { registerPlan } from './commands/plan.js';
import { registerPrune } from './commands/prune.js';
import { registerQuarantine } from './commands/quarantine.js';
import { registerReport } from './commands/report.js';
import { registerServe } from './commands/serve.js';
import { registerStart } from './commands/start.js';
import { registerStatus } from './commands/status.js';
import type { CliContext } from './context.js';
import { packageVersion } from './version.js';

const COMMANDS: Array<(program: Command, ctx: CliContext) => void> = [registerMigrate, registerPlan, registerApply, registerServe, registerEmulator, registerReport, registerQuarantine, registerPause, registerPrune, registerStatus, registerExplain, registerStart];

/** Commands that keep running (and log as they go); every other command ends with its own output. */
const LONG_RUNNING = new Set(['serve', 'emulator', 'start']);

export interface RunCliOptions {
  /** The process environment; wins over the variables of `.env` / `--env-file`. */
  env: Record<string, string | undefined>;
  /** Where `.env` (and a relative `--env-file`) is looked for. @default process.cwd() */
  cwd?: string;
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
  /** Logs go to a terminal. @default whether `stderr` is a TTY */
  terminal?: boolean;
}

/** Runs the CLI with `argv` (without node and script); resolves to the exit code. */
export async function runCli(argv: string[], options: RunCliOptions): Promise<number> {
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const terminal = options.terminal ?? (stderr as Partial<NodeJS.WriteStream>).isTTY === true;
  let envFile: EnvFile | undefined;
  let config: Config | undefined;
  let logger: Logger | undefined;
  let api: Rongsync | undefined;
  let command = '';

  const program = new Command('rongsync')
    .description('Keeps RongCloud IM groups equal to the groups / group_members tables in Postgres.')
    .version(packageVersion(), '-V, --version', 'print the version and exit')
    .option('--env-file <path>', 'read variables from this file instead of ./.env (the environment still wins)')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => stdout.write(s),
      writeErr: (s) => stderr.write(s),
    });

  let overrides: Record<string, string> = {};
  /** The environment over the variables of `.env` (or `--env-file`), read once; `setEnv`'s values over it. */
  const env = () => ({ ...withEnvFile(options.env, (envFile ??= readEnvFile(options.cwd ?? process.cwd(), program.opts<{ envFile?: string }>().envFile))), ...overrides });
  const ctx: CliContext = {
    env,
    setEnv: (values) => {
      if (config) throw new Error('setEnv: the configuration is already loaded');
      overrides = { ...overrides, ...values };
    },
    config: () => (config ??= loadConfig(env())),
    logger: () => {
      if (logger) return logger;
      const c = ctx.config();
      const setup = chooseLogSetup({ level: c.logLevel, format: c.logFormat, terminal, oneShot: !LONG_RUNNING.has(command), color: wantsColor(env(), terminal) });
      return (logger = createLogger({ ...setup, beforeWrite: () => ctx.beforeLog?.() }));
    },
    api: () => (api ??= createRongsync({ loadedConfig: ctx.config(), logger: ctx.logger() })),
    stdout,
    stderr,
    terminal,
    color: (stream) => wantsColor(env(), stream === 'stderr' ? terminal : (stdout as Partial<NodeJS.WriteStream>).isTTY === true),
    exitCode: 0,
  };
  program.hook('preAction', (_program, action) => {
    command = action.name();
    // A missing --env-file is an error for every command, also those that need no configuration.
    env();
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
    const debug = ['debug', 'trace'].includes(config?.logLevel ?? options.env['LOG_LEVEL'] ?? '');
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
  } finally {
    await api?.close();
  }
}
