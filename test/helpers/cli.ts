// Runs the `rongsync` CLI in process with captured stdout/stderr.
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

export async function runCliCaptured(argv: string[], env: Record<string, string | undefined>): Promise<CliOutcome> {
  const out = capture();
  const err = capture();
  const code = await runCli(argv, { env, stdout: out.stream, stderr: err.stream });
  return { code, out: out.text(), err: err.text() };
}
