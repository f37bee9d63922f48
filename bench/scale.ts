// Scale: the app bulk-inserts G groups × M members (users drawn from a pool of U), then one
// change-triggered run creates everything remotely (planning from the shadow, no reads), then a
// `--full` run re-reads every group (getMembers + names) and finds nothing to fix. The emulator's
// and the client's rate limits are lifted so the figures show rongsync's own cost; at RongCloud's
// real 100 calls/s the call count divided by 100 is the wall time to expect.
//
//   npx tsx bench/scale.ts [groups=20000] [membersPerGroup=10] [userPool=5000]
import pg from 'pg';
import { createBenchDatabase } from './database.js';
import { loadConfig } from '../src/config/load.js';
import { openDatabase } from '../src/db/client.js';
import { startEmulator } from '../src/emulator/index.js';
import { silentLogger } from '../src/log/logger.js';
import { CallLog } from '../src/reconcile/call-log.js';
import { runOnce, type RunRequest } from '../src/reconcile/run.js';
import { GroupClient } from '../src/remote/group-client.js';

const G = Number(process.argv[2] ?? 20_000);
const M = Number(process.argv[3] ?? 10);
const U = Number(process.argv[4] ?? 5000);

const bench = await createBenchDatabase();
const url = bench.url;

const emulator = await startEmulator({ appKey: 'k', appSecret: 's', rateLimitPerSecond: 0, limits: { maxGroupsPerUser: 1_000_000 } });
const config = loadConfig({
  DATABASE_URL: url,
  RONGCLOUD_APP_KEY: 'k',
  RONGCLOUD_APP_SECRET: 's',
  RONGCLOUD_API_URL: emulator.url,
  RONGCLOUD_RATE_LIMIT: '100000',
  RONGCLOUD_CONCURRENCY: '32',
  RONGCLOUD_MAX_GROUPS_PER_USER: '100000',
});
const db = openDatabase(url);
const callLog = new CallLog(db.prisma, silentLogger);
const client = GroupClient.fromConfig(config, { onAttempt: callLog.record });
const deps = { prisma: db.prisma, remote: client, callLog, config, logger: silentLogger };

const app = new pg.Client({ connectionString: url });
await app.connect();
let t0 = performance.now();
await app.query(`INSERT INTO groups (id, name) SELECT 'g' || i, 'Group ' || i FROM generate_series(1, ${G}) i`);
await app.query(
  `INSERT INTO group_members (group_id, user_id)
   SELECT DISTINCT 'g' || i, 'u' || ((i * 7919 + j * 104729) % ${U}) FROM generate_series(1, ${G}) i, generate_series(1, ${M}) j`,
);
const [{ n: memberships }] = (await app.query<{ n: number }>('SELECT count(*)::int AS n FROM group_members')).rows as [{ n: number }];
console.log(`app bulk insert: ${G} groups, ${memberships} memberships (${U} users) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);

async function timed(label: string, request: Partial<RunRequest>): Promise<void> {
  const before = emulator.counts()['total'] ?? 0;
  t0 = performance.now();
  const r = await runOnce(deps, { trigger: 'manual', mode: 'apply', ...request });
  const s = (performance.now() - t0) / 1000;
  const calls = (emulator.counts()['total'] ?? 0) - before;
  console.log(
    `${label}: ${s.toFixed(1)} s, status ${r.status}, checked ${r.counts.checked}, fixed ${r.counts.fixed}, drifted ${r.counts.drifted}, ` +
      `planned ${JSON.stringify(r.plannedCalls)}, remote calls ${calls} (${(calls / s).toFixed(0)}/s; ${(calls / 100 / 60).toFixed(1)} min at 100/s)`,
  );
}

await timed('initial run (from the change log, no reads)', {});
const desiredCount = memberships;
const remoteCount = Object.values(emulator.state().groups).reduce((n, g) => n + g.members.length, 0);
console.log(`emulator holds ${Object.keys(emulator.state().groups).length} groups, ${remoteCount} memberships (tables: ${desiredCount})`);
await timed('full verification run (reads every group)', { full: true });
clearInterval(sampler);
console.log(`peak RSS of this process (emulator included): ${(peakRss / 1024 / 1024).toFixed(0)} MiB`);

await app.end();
client.close();
await db.close();
await emulator.close();
await bench.drop();
