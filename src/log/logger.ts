// Structured logs (pino) on stderr, so stdout stays free for command output (`plan --json`).
// Secrets are instances of Secret and print as "[redacted]"; the redact paths are a second net
// for anything that carries credentials by name.
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string, name = 'rongsync'): Logger {
  return pino(
    {
      name,
      level,
      redact: { paths: ['*.appSecret', '*.secret', '*.signature', '*.Signature', 'appSecret', 'secret'], censor: '[redacted]' },
    },
    pino.destination({ fd: 2, sync: true }),
  );
}

/** A logger that drops everything (tests, library use). */
export const silentLogger: Logger = pino({ level: 'silent' });
