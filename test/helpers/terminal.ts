// Runs a command inside a pseudo-terminal (util-linux `script`), as a person at a terminal would:
// stdout and stderr are both the terminal, so isTTY is true and both streams interleave on one
// screen. Used where rongsync behaves differently on a terminal (human logs, colour, progress).
import { spawn } from 'node:child_process';

export interface TerminalOutcome {
  code: number | null;
  /** Everything the terminal showed, with the terminal's \r\n turned back into \n. */
  screen: string;
}

/** Single-quotes `s` for sh. */
const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export function runInTerminal(argv: string[], options: { env: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number }): Promise<TerminalOutcome> {
  return new Promise((resolve, reject) => {
    // -q: no "Script started" lines; -e: exit with the command's code; /dev/null: no typescript file.
    const child = spawn('script', ['-qec', argv.map(quote).join(' '), '/dev/null'], {
      env: options.env,
      cwd: options.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let screen = '';
    child.stdout.on('data', (c: Buffer) => (screen += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (screen += c.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, screen: screen.replace(/\r\n/g, '\n') });
    });
  });
}
