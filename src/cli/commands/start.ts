// `rongsync start` (what `npm start` runs) — the whole thing on one machine, no setup. With
// DATABASE_URL it is plain `serve`. Without it: an embedded PostgreSQL (src/sandbox/), the
// RongCloud emulator in process as a clearly labelled sandbox unless RONGCLOUD_APP_KEY is set, the
// migrations, then `serve` with the console — open without a token on 127.0.0.1 — and a few lines
// saying where everything is and what to try.
//
// Stopping: the first SIGINT / SIGTERM stops serve, then the library (pool), the emulator (saving
// what it holds) and Postgres, in that order, and exits 0 as serve does. npm forwards the
// terminal's Ctrl-C to its script although the terminal already sent it to the whole process group
// (node gets both where the script's shell execs it), so the same signal again within a second is
// that copy and is ignored; a signal after that stops at once (Postgres gets an immediate shutdown
// and recovers on the next start).
import type { Command } from 'commander';
import { loadStartConfig } from '../../config/load.js';
import type { HttpServer } from '../../http/server.js';
import { silentLogger, type Logger } from '../../log/logger.js';
import type { Rongsync } from '../../rongsync.js';
import { SandboxAbortedError } from '../../sandbox/errors.js';
import { SANDBOX_APP_KEY, SANDBOX_APP_SECRET, Sandbox } from '../../sandbox/start.js';
import type { CliContext } from '../context.js';
import { runServe } from './serve.js';

/** Within this long after the first signal, the same signal again is npm's forwarded copy of it. */
const DUPLICATE_SIGNAL_MS = 1000;

interface StopRequest {
  /** Aborted on the first signal (or an unexpected stop of Postgres). */
  signal: AbortSignal;
  /** Resolves with what asked to stop. */
  requested: Promise<string>;
  request(reason: string): void;
  dispose(): void;
}

function stopRequest(log: () => Logger | undefined, stderr: NodeJS.WritableStream, atOnce: () => void): StopRequest {
  const controller = new AbortController();
  let resolveRequested!: (reason: string) => void;
  const requested = new Promise<string>((r) => (resolveRequested = r));
  let firstAt = 0;
  const request = (reason: string) => {
    if (controller.signal.aborted) return;
    firstAt = Date.now();
    controller.abort();
    resolveRequested(reason);
  };
  const dispose = () => {
    process.off('SIGINT', on);
    process.off('SIGTERM', on);
  };
  const on = (signal: NodeJS.Signals) => {
    if (!controller.signal.aborted) {
      const message = `received ${signal}: stopping serve, the sandbox and the embedded PostgreSQL (a second Ctrl-C stops at once)`;
      const logger = log();
      if (logger) logger.info({ signal }, message);
      else stderr.write(`rongsync: ${message}\n`);
      request(signal);
      return;
    }
    if (Date.now() - firstAt < DUPLICATE_SIGNAL_MS) return;
    log()?.warn({ signal }, `received ${signal} again: stopping at once`);
    atOnce();
    dispose();
    process.kill(process.pid, signal);
  };
  process.on('SIGINT', on);
  process.on('SIGTERM', on);
  return { signal: controller.signal, requested, request, dispose };
}

interface BannerFacts {
  databaseUrl: string;
  postgresVersion: string;
  dataDir: string;
  /** The sandbox emulator's base URL; null when RongCloud itself is called. */
  emulatorUrl: string | null;
  apiUrls: readonly string[];
  http: Pick<HttpServer, 'url' | 'access'> | null;
}

/** What `start` prints once everything runs (stdout; the log goes to stderr). */
function sandboxBanner(f: BannerFacts): string {
  const lines = [
    '',
    `rongsync is running on this machine: embedded PostgreSQL ${f.postgresVersion}, ${f.emulatorUrl ? 'RongCloud SANDBOX (the emulator)' : 'RongCloud'}, ${f.http ? 'console' : 'no console'}.`,
    '',
    `  DATABASE_URL=${f.databaseUrl}`,
    `      the database your app writes (tables groups and group_members); its data stays in ${f.dataDir}`,
  ];
  if (f.emulatorUrl) {
    lines.push(
      `  RongCloud: SANDBOX — the rongsync emulator at ${f.emulatorUrl}, not RongCloud: nothing leaves this machine`,
      `      what it holds: curl -s ${f.emulatorUrl}/_emulator/state`,
    );
  } else {
    lines.push(`  RongCloud: ${f.apiUrls.join(', ')} (RONGCLOUD_APP_KEY is set: these are real calls)`);
  }
  if (f.http) {
    const access = {
      open: 'open without a token, to this machine only (set RONGSYNC_ADMIN_TOKEN to require one)',
      token: 'log in with RONGSYNC_ADMIN_TOKEN',
      closed: 'refused: RONGSYNC_HTTP_HOST is not a loopback address, so it needs RONGSYNC_ADMIN_TOKEN',
    }[f.http.access];
    lines.push(`  Console: ${f.http.url}`, `      ${access}`);
  } else {
    lines.push('  Console: off (RONGSYNC_HTTP_PORT=0)');
  }
  const sandboxVars = f.emulatorUrl ? ` RONGCLOUD_APP_KEY=${SANDBOX_APP_KEY} RONGCLOUD_APP_SECRET=${SANDBOX_APP_SECRET} RONGCLOUD_API_URL=${f.emulatorUrl}` : '';
  lines.push(
    '',
    `Try it: write a group as your app would (psql, or any Postgres client), then watch it reach ${f.emulatorUrl ? 'the sandbox' : 'RongCloud'}${f.http ? ' in the console' : ''}:`,
    `  psql "${f.databaseUrl}" -c "INSERT INTO groups (id, name) VALUES ('team1', 'Team one'); INSERT INTO group_members (group_id, user_id) VALUES ('team1', 'alice'), ('team1', 'bob');"`,
    '',
    'Other commands against it, from another terminal:',
    `  DATABASE_URL='${f.databaseUrl}'${sandboxVars} npx rongsync plan`,
    '',
    `Ctrl-C stops everything; the data stays in ${f.dataDir} (delete it to start over).`,
    '',
  );
  return lines.join('\n');
}

/** Embedded PostgreSQL (+ the sandbox emulator), migrations, then serve until a signal. */
async function runSandbox(ctx: CliContext, options: { dataDir: string; postgresPort: number; emulator: boolean }): Promise<void> {
  let logger: Logger | undefined;
  let sandbox: Sandbox | undefined;
  let api: Rongsync | undefined;
  const stop = stopRequest(() => logger, ctx.stderr, () => sandbox?.kill());
  try {
    sandbox = await Sandbox.open(options);
    ctx.setEnv(sandbox.env());
    const config = ctx.config(); // everything else validated here, before Postgres starts
    logger = ctx.logger();
    if (sandbox.emulator) {
      logger.warn({ url: sandbox.emulator.url }, `RongCloud is the SANDBOX emulator at ${sandbox.emulator.url} (no RONGCLOUD_APP_KEY): nothing is sent to RongCloud`);
    }
    const log = logger;
    await sandbox.start({
      logger,
      signal: stop.signal,
      onUnexpectedExit: (reason) => {
        log.error(reason);
        ctx.exitCode = 1;
        stop.request('postgres-exited');
      },
    });
    if (stop.signal.aborted) return;
    api = ctx.api();
    const migrated = await api.migrate();
    for (const w of migrated.warnings) logger.warn(w);
    logger.info({ applied: migrated.applied.length, alreadyApplied: migrated.alreadyApplied.length }, 'migrations applied');
    if (stop.signal.aborted) return;
    const facts = { databaseUrl: sandbox.databaseUrl, postgresVersion: sandbox.postgres.version, dataDir: sandbox.dataDir, emulatorUrl: sandbox.emulator?.url ?? null, apiUrls: config.remote.apiUrls };
    await runServe(ctx, {
      until: stop.requested,
      openWithoutToken: true,
      onStarted: ({ http }) => ctx.stdout.write(sandboxBanner({ ...facts, http })),
    });
  } catch (e) {
    if (!(e instanceof SandboxAbortedError)) throw e;
  } finally {
    // Postgres goes last: the pool's sessions end before the server does.
    await api?.close();
    await sandbox?.close(logger ?? silentLogger);
    stop.dispose();
  }
}

export function registerStart(program: Command, ctx: CliContext): void {
  program
    .command('start')
    .description(
      'the whole thing on one machine (npm start): without DATABASE_URL an embedded PostgreSQL (data in RONGSYNC_DATA_DIR), the RongCloud emulator as a sandbox unless RONGCLOUD_APP_KEY is set, the migrations, then serve with the console; with DATABASE_URL, plain serve',
    )
    .action(async () => {
      const start = loadStartConfig(ctx.env());
      if (start.databaseUrl !== undefined) return runServe(ctx);
      await runSandbox(ctx, { dataDir: start.dataDir, postgresPort: start.postgresPort, emulator: !start.hasAppKey });
    });
}
