// A full reconciler against real parts: its own Postgres database (real migrations), the
// emulator on a random port, and the real GroupClient. The app side is plain SQL (t.sql).
import { loadConfig, type Config } from '../../src/config/load.js';
import { startEmulator, type Emulator, type EmulatorOptions } from '../../src/emulator/index.js';
import { silentLogger } from '../../src/log/logger.js';
import { CallLog } from '../../src/store/call-log.js';
import { sessionRunLock } from '../../src/service/run-lock.js';
import type { ReconcileDeps, RunRequest, RunResult } from '../../src/reconcile/run.js';
import type { GroupOutcome } from '../../src/reconcile/types.js';
import { runOnce } from '../../src/reconcile/run.js';
import type { PlannedCall } from '../../src/reconcile/plan/types.js';
import { GroupClient } from '../../src/remote/group-client.js';
import { createTestDatabase, type TestDatabase } from './database.js';

export const APP_KEY = 'test-key';
export const APP_SECRET = 'test-secret';

export interface Harness {
  t: TestDatabase;
  emulator: Emulator;
  config: Config;
  env: Record<string, string>;
  deps: ReconcileDeps;
  /** A second client, outside rongsync, for injecting remote drift. */
  stranger: GroupClient;
  /** One run; its drift items and planned calls are collected from the batches for the test. */
  run(request?: Partial<RunRequest>): Promise<CollectedRun>;
  /** Emulator groups as { id: sorted members }, names apart. */
  remoteMembers(): Record<string, string[]>;
  remoteNames(): Record<string, string | null>;
  close(): Promise<void>;
}

export type CollectedRun = RunResult & { items: GroupOutcome[]; calls: PlannedCall[] };

/** runOnce, keeping every batch's items and calls (tests are small; the service keeps none). */
export async function collectRun(deps: ReconcileDeps, request: RunRequest): Promise<CollectedRun> {
  const items: GroupOutcome[] = [];
  const calls: PlannedCall[] = [];
  const result = await runOnce(deps, {
    ...request,
    onBatch: async (b) => {
      items.push(...b.items);
      calls.push(...b.calls);
      await request.onBatch?.(b);
    },
  });
  return { ...result, items, calls };
}

/** `emulatorOptions`: options of the emulator (e.g. limits lowered to match the env's). */
export async function createHarness(env: Record<string, string> = {}, emulatorOptions: Partial<EmulatorOptions> = {}): Promise<Harness> {
  const t = await createTestDatabase();
  const emulator = await startEmulator({ appKey: APP_KEY, appSecret: APP_SECRET, rateLimitPerSecond: 0, ...emulatorOptions });
  const fullEnv = {
    DATABASE_URL: t.url,
    RONGCLOUD_APP_KEY: APP_KEY,
    RONGCLOUD_APP_SECRET: APP_SECRET,
    RONGCLOUD_API_URL: emulator.url,
    RONGCLOUD_RATE_LIMIT: '1000',
    RONGCLOUD_MAX_RETRIES: '2',
    LOG_LEVEL: 'silent',
    // `serve` children of one test (replicas) and of parallel files would share port 9300; the
    // HTTP server has its own tests (test/http/), which start it on free ports.
    RONGSYNC_HTTP_PORT: '0',
    ...env,
  };
  const config = loadConfig(fullEnv);
  const callLog = new CallLog(t.db.prisma, silentLogger);
  const client = GroupClient.fromConfig(config, { onAttempt: callLog.record, retryBaseMs: 5, retryMaxMs: 20 });
  const stranger = GroupClient.fromConfig(config, { retryBaseMs: 5, retryMaxMs: 20 });
  const deps: ReconcileDeps = { prisma: t.db.prisma, remote: client, callLog, config, logger: silentLogger, runLock: sessionRunLock(t.url, silentLogger) };
  return {
    t,
    emulator,
    config,
    env: fullEnv,
    deps,
    stranger,
    run: (request = {}) => collectRun(deps, { trigger: 'manual', mode: 'apply', ...request }),
    remoteMembers: () => Object.fromEntries(Object.entries(emulator.state().groups).filter(([, g]) => g.members.length > 0).map(([id, g]) => [id, g.members])),
    remoteNames: () => Object.fromEntries(Object.entries(emulator.state().groups).filter(([, g]) => g.members.length > 0).map(([id, g]) => [id, g.name])),
    async close() {
      client.close();
      stranger.close();
      await emulator.close();
      await t.drop();
    },
  };
}

/** The tables as { group id: sorted members } (groups without members included as []). */
export async function desiredMembers(t: TestDatabase): Promise<Record<string, string[]>> {
  const rows = await t.sql<{ id: string; members: string[] }>(
    `SELECT g.id, coalesce(array_agg(m.user_id ORDER BY m.user_id COLLATE "C") FILTER (WHERE m.user_id IS NOT NULL), '{}') AS members
       FROM groups g LEFT JOIN group_members m ON m.group_id = g.id GROUP BY g.id ORDER BY g.id`,
  );
  return Object.fromEntries(rows.map((r) => [r.id, r.members]));
}
