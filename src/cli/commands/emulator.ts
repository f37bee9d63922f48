// `rongsync emulator` — runs the RongCloud group-API emulator as a server (quickstart, manual
// testing, benchmarks) until SIGINT/SIGTERM, then saves the snapshot if one was given.
// Needs no DATABASE_URL: it never calls ctx.config().
import type { Command } from 'commander';
import { startEmulator, type FaultConfig } from '../../emulator/index.js';
import { ConfigError } from '../../errors.js';
import type { CliContext } from '../context.js';
import { firstSignal } from '../interrupt.js';

interface EmulatorFlags {
  port: string;
  host: string;
  appKey: string;
  appSecret: string;
  rateLimit: string;
  snapshot?: string;
  seed?: string;
  latency?: string;
  jitter?: string;
  errorRate?: string;
  timeoutRate?: string;
  resetRate?: string;
}

/** Parses flags, collecting every problem so one run reports them all. */
function parseFlags(f: EmulatorFlags) {
  const problems: string[] = [];
  const int = (flag: string, raw: string | undefined, min: number, max: number, example: string) => {
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isInteger(n) || n < min || n > max) {
      problems.push(`--${flag}: ${JSON.stringify(raw)} is not an integer from ${min} to ${max} (e.g. --${flag} ${example})`);
    }
    return n;
  };
  const fraction = (flag: string, raw: string | undefined) => {
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (raw.trim() === '' || !(n >= 0 && n <= 1)) {
      problems.push(`--${flag}: ${JSON.stringify(raw)} is not a fraction from 0 to 1 (e.g. --${flag} 0.05)`);
    }
    return n;
  };
  const port = int('port', f.port, 0, 65535, '9200')!;
  const rateLimitPerSecond = int('rate-limit', f.rateLimit, 0, 10_000_000, '100')!;
  const seed = int('seed', f.seed, 0, 2 ** 32 - 1, '42');
  const given = {
    latencyMs: int('latency', f.latency, 0, 600_000, '50'),
    jitterMs: int('jitter', f.jitter, 0, 600_000, '20'),
    errorRate: fraction('error-rate', f.errorRate),
    timeoutRate: fraction('timeout-rate', f.timeoutRate),
    resetRate: fraction('reset-rate', f.resetRate),
  };
  // Only the flags given: a fault left out is off, not "undefined".
  const faults: FaultConfig = Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined));
  const rates = (faults.errorRate ?? 0) + (faults.timeoutRate ?? 0) + (faults.resetRate ?? 0);
  if (problems.length === 0 && rates > 1) problems.push(`--error-rate + --timeout-rate + --reset-rate: ${rates} exceeds 1 (e.g. --error-rate 0.05 --timeout-rate 0.01)`);
  if (problems.length > 0) throw new ConfigError(problems);
  return { port, rateLimitPerSecond, seed, faults };
}

export function registerEmulator(program: Command, ctx: CliContext): void {
  program
    .command('emulator')
    .description('run the RongCloud group-API emulator (see docs/emulator.md) until SIGINT/SIGTERM')
    .requiredOption('--app-key <key>', 'app key clients must send')
    .requiredOption('--app-secret <secret>', 'app secret clients sign with')
    .option('--port <n>', 'port to listen on; 0 picks a free one', '9200')
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--rate-limit <n>', 'requests per second before 429/1008; 0 = off', '100')
    .option('--snapshot <file>', 'JSON state loaded at start if present, saved on exit')
    .option('--seed <n>', 'seed of the fault PRNG (same seed + order = same faults)')
    .option('--latency <ms>', 'added delay per request')
    .option('--jitter <ms>', 'extra random delay per request, 0..ms')
    .option('--error-rate <f>', 'fraction of requests answered 500/1000')
    .option('--timeout-rate <f>', 'fraction of requests never answered')
    .option('--reset-rate <f>', 'fraction of requests whose connection is reset')
    .action(async (flags: EmulatorFlags) => {
      const { port, rateLimitPerSecond, seed, faults } = parseFlags(flags);
      const emulator = await startEmulator({
        appKey: flags.appKey,
        appSecret: flags.appSecret,
        host: flags.host,
        port,
        rateLimitPerSecond,
        faults,
        ...(seed !== undefined ? { seed } : {}),
        ...(flags.snapshot !== undefined ? { snapshotPath: flags.snapshot } : {}),
      });
      const stopped = firstSignal();
      ctx.stdout.write(`rongsync emulator listening on ${emulator.url}\n`);
      const signal = await stopped;
      await emulator.close();
      const saved = flags.snapshot ? `; state saved to ${flags.snapshot}` : '';
      ctx.stderr.write(`rongsync emulator: ${signal}, stopped${saved}\n`);
    });
}
