// The call log store: every attempt becomes one row with each field as the client reported it,
// attributed to the run in progress, in batches.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { silentLogger } from '../../src/log/logger.js';
import { CallLog } from '../../src/store/call-log.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());

it('writes each attempt with every field, under its run; an error quoting a NUL is kept, not refused', async () => {
  const [{ id: runId }] = (await t.sql<{ id: number }>(`INSERT INTO rongsync_runs (trigger, mode, status) VALUES ('manual', 'apply', 'running') RETURNING id`)) as [{ id: number }];
  const log = new CallLog(t.db.prisma, silentLogger);
  log.beginRun(runId);
  log.record({ endpoint: '/group/create.json', groupId: 'g1', host: 'api-a', attempt: 1, outcome: 'ok', httpStatus: 200, code: 200, latencyMs: 12.6 });
  log.record({ endpoint: '/group/sync.json', userId: 'ü1', host: 'api-b', attempt: 2, outcome: 'remote_error', httpStatus: 200, code: 1002, latencyMs: 3, error: 'bad \u0000 "quoted"' });
  log.beginRun(null);
  log.record({ endpoint: '/group/user/query.json', host: 'api-a', attempt: 1, outcome: 'timeout', latencyMs: 5000 });
  expect(log.counts()).toEqual({ '/group/user/query.json': { timeout: 1 } });
  await log.flush();
  const rows = await t.sql(
    `SELECT run_id, endpoint, group_id, user_id, host, attempt, outcome, http_status, code, latency_ms, error, at > now() - interval '1 minute' AS recent
       FROM rongsync_remote_calls ORDER BY id`,
  );
  expect(rows).toEqual([
    { run_id: runId, endpoint: '/group/create.json', group_id: 'g1', user_id: null, host: 'api-a', attempt: 1, outcome: 'ok', http_status: 200, code: 200, latency_ms: 13, error: null, recent: true },
    { run_id: runId, endpoint: '/group/sync.json', group_id: null, user_id: 'ü1', host: 'api-b', attempt: 2, outcome: 'remote_error', http_status: 200, code: 1002, latency_ms: 3, error: 'bad \uFFFD "quoted"', recent: true },
    { run_id: null, endpoint: '/group/user/query.json', group_id: null, user_id: null, host: 'api-a', attempt: 1, outcome: 'timeout', http_status: null, code: null, latency_ms: 5000, error: null, recent: true },
  ]);
});
