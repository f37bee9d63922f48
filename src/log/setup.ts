// How logs look for this process: human lines or JSON, which level, colour or not. A pure choice
// from the configuration and the terminal, made once by the CLI before the logger is built.
//
// People read a terminal; machines read everything else. So `LOG_FORMAT=auto` (the default) gives
// pino-pretty lines when stderr is a terminal and JSON lines otherwise (a pipe, a file, a
// container's log driver). One-shot commands (plan, apply, report, …) print their own report on
// stdout, which says everything their info lines would; on a terminal the info lines would only
// push the report off screen, so unless LOG_LEVEL is set such a command logs warnings and errors
// only. Long-running commands (serve, emulator) and JSON logs keep `info`.

export const LOG_FORMATS = ['auto', 'json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface LogSetupInput {
  /** LOG_LEVEL, or undefined when it is not set. */
  level: LogLevel | undefined;
  /** LOG_FORMAT. */
  format: LogFormat;
  /** Logs go to a terminal (stderr is a TTY). */
  terminal: boolean;
  /** The command ends by itself and prints its own result (not serve, not emulator). */
  oneShot: boolean;
  /** Colour is wanted (see wantsColor). */
  color: boolean;
}

export interface LogSetup {
  level: LogLevel;
  /** Human lines (pino-pretty) instead of JSON. */
  pretty: boolean;
  color: boolean;
}

export function chooseLogSetup(input: LogSetupInput): LogSetup {
  const pretty = input.format === 'pretty' || (input.format === 'auto' && input.terminal);
  const level = input.level ?? (pretty && input.oneShot ? 'warn' : 'info');
  return { level, pretty, color: pretty && input.color };
}

/**
 * Colour on a terminal, honouring the common conventions: `NO_COLOR` (any non-empty value) turns
 * it off, `FORCE_COLOR` turns it on even without a terminal (`FORCE_COLOR=0` or `false` turns it
 * off). NO_COLOR wins when both are set.
 */
export function wantsColor(env: Record<string, string | undefined>, terminal: boolean): boolean {
  if ((env['NO_COLOR'] ?? '') !== '') return false;
  const force = env['FORCE_COLOR'];
  if (force !== undefined && force !== '') return !['0', 'false'].includes(force.toLowerCase());
  return terminal;
}
