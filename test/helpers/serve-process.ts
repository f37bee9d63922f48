// `rongsync serve` (or another command) as a child process, with its log lines collected, for
// tests that kill connections, restart the database or send signals.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

export interface CliProcess {
  child: ChildProcess;
  /** stderr (the JSON log), one entry per line. */
  log: string[];
  /** stdout so far. */
  out(): string;
  /** Log lines whose message contains `text`. */
  logged(text: string): string[];
  /** Resolves with the exit code (null when killed by a signal) once the process has exited. */
  exited(): Promise<number | null>;
}

export function startCli(args: string[], env: Record<string, string>): CliProcess {
  const child = spawn(process.execPath, ['bin/rongsync.js', ...args], {
    // The tests read its log; no HTTP server unless a test asks (test files run at once: one port each).
    env: { ...process.env, RONGSYNC_HTTP_PORT: '0', ...env, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log: string[] = [];
  let partial = '';
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    const lines = (partial + d).split('\n');
    partial = lines.pop() ?? '';
    log.push(...lines.filter(Boolean));
  });
  const exit = once(child, 'exit'); // listened to from the start, so an early exit is not missed
  return {
    child,
    log,
    out: () => out,
    logged: (text) => log.filter((l) => l.includes(text)),
    exited: async () => ((await exit) as [number | null])[0],
  };
}
