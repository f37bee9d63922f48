// Cost of change capture on bulk writes: the same statements with rongsync's triggers enabled and
// disabled, on a fresh migrated database. Prints the median of several rounds per statement.
//
//   npx tsx bench/triggers.ts [rows=100000] [groups=1000] [rounds=5]
import pg from 'pg';
import { createBenchDatabase } from './database.js';

const ROWS = Number(process.argv[2] ?? 100_000);
const GROUPS = Number(process.argv[3] ?? 1000);
const ROUNDS = Number(process.argv[4] ?? 5);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const bench = await createBenchDatabase();
  const c = new pg.Client({ connectionString: bench.url });
  await c.connect();
  const time = async (sql: string) => {
    const t0 = performance.now();
    await c.query(sql);
    return performance.now() - t0;
  };

  const statements: Array<[string, string]> = [
    [`INSERT ${ROWS} members into ${GROUPS} groups`, `INSERT INTO group_members (group_id, user_id) SELECT 'g' || (i % ${GROUPS}), 'u' || i FROM generate_series(1, ${ROWS}) i`],
    [`UPDATE ${ROWS} members (created_at)`, `UPDATE group_members SET created_at = now()`],
    [`DELETE ${ROWS} members`, `DELETE FROM group_members`],
  ];
  console.log(`change capture cost — ${ROWS} rows over ${GROUPS} groups, median of ${ROUNDS} rounds`);
  console.log('statement'.padEnd(44), 'triggers on'.padStart(12), 'triggers off'.padStart(13), 'overhead'.padStart(9));
  for (const [label, sql] of statements) {
    const on: number[] = [];
    const off: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      for (const enabled of [true, false]) {
        await c.query('TRUNCATE group_members, groups, rongsync_changes');
        await c.query(`INSERT INTO groups (id, name) SELECT 'g' || i, 'G' FROM generate_series(0, ${GROUPS - 1}) i`);
        if (label.startsWith('INSERT')) {
          // nothing to prepare
        } else {
          await c.query(statements[0]![1]);
        }
        await c.query(`ALTER TABLE group_members ${enabled ? 'ENABLE' : 'DISABLE'} TRIGGER USER`);
        await c.query('DELETE FROM rongsync_changes');
        (enabled ? on : off).push(await time(sql));
      }
    }
    await c.query('ALTER TABLE group_members ENABLE TRIGGER USER');
    const mOn = median(on);
    const mOff = median(off);
    console.log(label.padEnd(44), `${mOn.toFixed(0)} ms`.padStart(12), `${mOff.toFixed(0)} ms`.padStart(13), `${(((mOn - mOff) / mOff) * 100).toFixed(0)}%`.padStart(9));
  }
  await c.query('TRUNCATE group_members, rongsync_changes');
  await c.query(statements[0]![1]);
  const [{ n }] = (await c.query<{ n: number }>('SELECT count(*)::int AS n FROM rongsync_changes')).rows as [{ n: number }];
  console.log(`change log rows written by one ${ROWS}-row INSERT: ${n} (one per distinct group)`);
  await c.end();
  await bench.drop();
}

await main();
