// What every command receives: the config (loaded once, on first use, so `--help` needs no
// environment), a logger, the library (createRongsync), the streams to print to (tests capture
// them) and whether they are terminals that want colour.
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
  /** stderr is a terminal (live progress line, human logs). */
  terminal: boolean;
  /** Whether to colour what goes to this stream (its terminal, NO_COLOR / FORCE_COLOR). */
  color(stream: 'stdout' | 'stderr'): boolean;
  /** Called before each log line is written (a live progress line erases itself). */
  beforeLog?: (() => void) | undefined;
  /** Set by a command that wants a non-zero exit without an error (plan's 2 = drift). */
  exitCode: number;
}
