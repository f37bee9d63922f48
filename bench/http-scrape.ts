// What the HTTP server costs at scale: a Prometheus scrape of /metrics with the state-gauge cache
// missed (the database queries behind rongsync_groups & co. run every time), a cached scrape, and
// the console's heaviest JSON calls — over N groups in every condition, 3 members each, a shadow
// for each, 1000 dirty groups and an hour of call log. Real HTTP on a real server.
//
//   npx tsx bench/http-scrape.ts [groups=100000] [rounds=5] [callsInLastHour=100000]
import pg from 'pg';
import { createHttpServer } from '../src/http/server.js';
import { createRongsync } from '../src/rongsync.js';
import { createBenchDatabase } from './database.js';

const GROUPS = Number(process.argv[2] ?? 100_000);
const ROUNDS = Number(process.argv[3] ?? 5);
const CALLS = Number(process.argv[4] ?? 100_000);
const TOKEN = 'bench-admin-token-0123456789';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function seed(url: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const t0 = performance.now();
  await c.query(`ALTER TABLE groups DISABLE TRIGGER USER; ALTER TABLE group_members DISABLE TRIGGER USER`);
  await c.query(`INSERT INTO groups (id, name) SELECT 'g' || i, 'Group ' || i FROM generate_series(1, ${GROUPS}) i`);
  await c.query(`INSERT INTO group_members (group_id, user_id) SELECT 'g' || i, 'u' || (i * 3 + k) FROM generate_series(1, ${GROUPS}) i, generate_series(0, 2) k`);
  await c.query(`
    INSERT INTO rongsync_remote_groups (group_id, name, members, member_count, members_hash, created_by_rongsync, read_at, written_at)
    SELECT 'g' || i, 'Group ' || i, ARRAY['u' || (i * 3), 'u' || (i * 3 + 1), 'u' || (i * 3 + 2)], 3, md5('x' || i), true,
           now() - (i % 86400) * interval '1 second', now() - interval '1 day'
      FROM generate_series(1, ${GROUPS}) i`);
  // Conditions spread like a real fleet: mostly in sync, a few of every other kind.
  await c.query(`
    INSERT INTO rongsync_group_state (group_id, paused, consecutive_failures, next_attempt_at, last_error, quarantined_at, quarantine_reason, drift_first_seen_at, last_status, last_reason, checked_at)
    SELECT 'g' || i, i % 997 = 0,
           CASE WHEN i % 331 = 0 OR i % 499 = 0 THEN 3 ELSE 0 END,
           CASE WHEN i % 331 = 0 THEN now() + interval '5 minutes' END,
           CASE WHEN i % 331 = 0 THEN 'code 1005' END,
           CASE WHEN i % 499 = 0 THEN now() - interval '1 hour' END,
           CASE WHEN i % 499 = 0 THEN 'failed 5 times' END,
           CASE WHEN i % 101 = 0 THEN now() - interval '10 minutes' END,
           CASE WHEN i % 101 = 0 THEN 'drifted' WHEN i % 211 = 0 THEN 'unreconcilable' WHEN i % 307 = 0 THEN 'blocked' WHEN i % 331 = 0 THEN 'failed' ELSE 'in_sync' END,
           CASE WHEN i % 101 = 0 THEN 'members differ' END,
           now() - (i % 3600) * interval '1 second'
      FROM generate_series(1, ${GROUPS}) i`);
  await c.query(`INSERT INTO rongsync_changes (group_id, source, op) SELECT 'g' || i, 'app', 'INSERT' FROM generate_series(1, 1000) i`);
  await c.query(`
    INSERT INTO rongsync_remote_calls (at, endpoint, group_id, host, attempt, outcome, code, http_status, latency_ms)
    SELECT now() - (i % 3600) * interval '1 second', '/group/join.json', 'g' || (i % ${GROUPS} + 1), 'http://x', 1,
           CASE WHEN i % 200 = 0 THEN 'rate_limited' ELSE 'ok' END, CASE WHEN i % 200 = 0 THEN 1008 ELSE 200 END, 200, 40
      FROM generate_series(1, ${CALLS}) i`);
  await c.query(`ALTER TABLE groups ENABLE TRIGGER USER; ALTER TABLE group_members ENABLE TRIGGER USER; ANALYZE`);
  console.log(`seeded ${GROUPS} groups (${GROUPS * 3} members), ${CALLS} calls in the last hour in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  await c.end();
}

async function main(): Promise<void> {
  const bench = await createBenchDatabase();
  await seed(bench.url);
  const rs = createRongsync({ databaseUrl: bench.url, config: { RONGSYNC_ADMIN_TOKEN: TOKEN, LOG_LEVEL: 'silent' } });
  // cacheMs 0: every scrape queries the database (the worst case: one scrape per cache period).
  const cold = await createHttpServer(rs, null, { port: 0, metrics: { cacheMs: 0 } });
  const warm = await createHttpServer(rs, null, { port: 0 });
  const auth = { authorization: `Bearer ${TOKEN}` };
  const time = async (url: string, headers: Record<string, string> = {}) => {
    const t0 = performance.now();
    const res = await fetch(url, { headers });
    const body = await res.text();
    if (!res.ok) throw new Error(`${url}: ${res.status} ${body.slice(0, 200)}`);
    return { ms: performance.now() - t0, bytes: body.length };
  };
  const cases: Array<[string, string, Record<string, string>]> = [
    ['/metrics, cache missed (database queried)', `${cold.url}metrics`, {}],
    ['/metrics, cached (within 5 s)', `${warm.url}metrics`, {}],
    ['/readyz', `${cold.url}readyz`, {}],
    ['/api/status (overview)', `${cold.url}api/status`, auth],
    ['/api/groups?limit=100 (first page)', `${cold.url}api/groups?limit=100`, auth],
    ['/api/groups?condition=drifted&limit=100', `${cold.url}api/groups?condition=drifted&limit=100`, auth],
    ['/api/groups?search=g9999&limit=100', `${cold.url}api/groups?search=g9999&limit=100`, auth],
    ['/api/groups/g4242 (explain)', `${cold.url}api/groups/g4242`, auth],
  ];
  await time(`${warm.url}metrics`); // fills the warm server's cache
  console.log(`${GROUPS} groups, median of ${ROUNDS} requests (after one warm-up each)`);
  console.log('request'.padEnd(46), 'median'.padStart(9), 'max'.padStart(9), 'bytes'.padStart(9));
  for (const [label, url, headers] of cases) {
    await time(url, headers);
    const ms: number[] = [];
    let bytes = 0;
    for (let i = 0; i < ROUNDS; i++) {
      const r = await time(url, headers);
      ms.push(r.ms);
      bytes = r.bytes;
    }
    console.log(label.padEnd(46), `${median(ms).toFixed(0)} ms`.padStart(9), `${Math.max(...ms).toFixed(0)} ms`.padStart(9), String(bytes).padStart(9));
  }
  await cold.close();
  await warm.close();
  await rs.close();
  await bench.drop();
}

await main();
