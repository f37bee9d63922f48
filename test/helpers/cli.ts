// Runs the `rongsync` CLI in process with captured stdout/stderr.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { runCli } from '../../src/cli/program.js';

export interface CliOutcome {
  code: number;
  out: string;
  err: string;
}

function capture(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

/** An empty working directory: a developer's own `.env` in the checkout must not leak into tests. */
let emptyCwd: string | undefined;

export async function runCliCaptured(argv: string[], env: Record<string, string | undefined>, cwd?: string): Promise<CliOutcome> {
  const out = capture();
  const err = capture();
  cwd ??= emptyCwd ??= mkdtempSync(join(tmpdir(), 'rongsync-cwd-'));
  const code = await runCli(argv, { env, cwd, stdout: out.stream, stderr: err.stream });
  return { code, out: out.text(), err: err.text() };
}
