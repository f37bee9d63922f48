// What every command receives: the config (loaded once, on first use, so `--help` needs no
// environment), a logger, the library (createRongsync) and the streams to print to (tests capture
// them).
import type { Config } from '../config/load.js';
import type { Logger } from '../log/logger.js';
import type { Rongsync } from '../rongsync.js';

export interface CliContext {
  /** The environment over the variables of `.env` / `--env-file` (for `start`, which sets up a database before the configuration exists). */
  env(): Record<string, string | undefined>;
  /** Sets variables before the configuration is first loaded (`start`: the embedded database and the sandbox). */
  setEnv(values: Record<string, string>): void;
  config(): Config;
  logger(): Logger;
  /** The library, opened on first use and closed when the command ends. */
  api(): Rongsync;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Set by a command that wants a non-zero exit without an error (plan's 2 = drift). */
  exitCode: number;
}
