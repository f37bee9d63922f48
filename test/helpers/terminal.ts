// Runs a command inside a pseudo-terminal (util-linux `script`), as a person at a terminal would:
// stdout and stderr are both the terminal, so isTTY is true and both streams interleave on one
// screen. Used where rongsync behaves differently on a terminal (human logs, colour, progress).
import { spawn } from 'node:child_process';

export interface TerminalOutcome {
  code: number | null;
  /** Everything written to the terminal, with the terminal's \r\n turned back into \n. */
  screen: string;
  /** What a person sees at the end: `screen` with carriage returns and erase-line (ESC[K) applied. */
  visible: string;
}

/**
 * Applies what a terminal does with `\r` (back to the first column) and `ESC[K` (erase to the end
 * of the line) — how a live progress line is redrawn and erased — so tests see the final screen.
 * Other escape sequences (colours) are kept as they are.
 */
function visibleScreen(screen: string): string {
  return screen
    .split('\n')
    .map((line) => {
      let out: string[] = [];
      let col = 0;
      for (const part of line.split(/(\r|\x1b\[K)/)) {
        if (part === '\r') col = 0;
        else if (part === '\x1b[K') out = out.slice(0, col);
        else {
          for (const ch of part) out[col++] = ch;
        }
      }
      return out.join('');
    })
    .join('\n');
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
      const text = screen.replace(/\r\n/g, '\n');
      resolve({ code, screen: text, visible: visibleScreen(text) });
    });
  });
}
