// Logs (pino) on stderr, so stdout stays free for command output (`plan --json`). JSON lines for
// machines, or human lines for a person at a terminal (pino-pretty: local time, coloured level,
// message, the other fields on the same line; no pid or hostname). src/log/setup.ts decides which.
// Secrets are instances of Secret and print as "[redacted]"; the redact paths are a second net
// for anything that carries credentials by name.
import { pino, type DestinationStream, type Logger } from 'pino';
import { PinoPretty } from 'pino-pretty';

export type { Logger };

export interface LoggerOptions {
  /** pino level. @default 'info' */
  level?: string;
  /** Human lines instead of JSON. @default false */
  pretty?: boolean;
  /** Colour the human lines. @default false */
  color?: boolean;
  /** File descriptor or stream the lines go to. @default 2 (stderr) */
  destination?: number | DestinationStream;
  /** @default 'rongsync' */
  name?: string;
  /** Called before each line is written (e.g. to erase a live progress line first). */
  beforeWrite?: () => void;
}

const REDACT = { paths: ['*.appSecret', '*.secret', '*.signature', '*.Signature', 'appSecret', 'secret'], censor: '[redacted]' };

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? 'info';
  const destination = options.destination ?? 2;
  const stream: DestinationStream = options.pretty
    ? PinoPretty({
        destination,
        sync: true,
        colorize: options.color ?? false,
        translateTime: 'SYS:HH:MM:ss.l',
        singleLine: true,
        ...prettyErrors(level),
      })
    : typeof destination === 'number'
      ? pino.destination({ fd: destination, sync: true })
      : destination;
  const before = options.beforeWrite;
  const hooks = before
    ? {
        streamWrite: (line: string) => {
          before();
          return line;
        },
      }
    : {};
  return pino({ name: options.name ?? 'rongsync', level, redact: REDACT, hooks }, stream);
}

/**
 * On a terminal an error is its message, after the log message ("run failed: connect
 * ECONNREFUSED …"); the stack trace only at debug and trace, where someone is digging.
 */
function prettyErrors(level: string) {
  if (level === 'debug' || level === 'trace') return { ignore: 'pid,hostname,name' };
  return {
    ignore: 'pid,hostname,name,err',
    messageFormat: (log: Record<string, unknown>, messageKey: string) => {
      const msg = typeof log[messageKey] === 'string' ? (log[messageKey] as string) : '';
      const err = log['err'];
      const detail = err !== null && typeof err === 'object' && 'message' in err ? String(err.message) : undefined;
      return detail === undefined ? msg : `${msg}: ${detail}`;
    },
  };
}

/** A logger that drops everything (tests, library use). */
export const silentLogger: Logger = pino({ level: 'silent' });
