// Prisma's $queryRaw against the same SQL on the same pg.Pool (raw pg), for the observation's
// hot queries: a batch's desired rows (1000 groups with member arrays) and its users' group lists.
//
//   npx tsx bench/prisma-vs-pg.ts DATABASE_URL [rounds=5]
import { openDatabase } from '../src/db/client.js';

const url = process.argv[2]!;
const ROUNDS = Number(process.argv[3] ?? 5);
const db = openDatabase(url);
const groups = (await db.pool.query<{ id: string }>('SELECT id FROM groups ORDER BY id LIMIT 1000')).rows.map((r) => r.id);
const users = (await db.pool.query<{ u: string }>('SELECT DISTINCT user_id AS u FROM group_members WHERE group_id = ANY($1::text[])', [groups])).rows.map((r) => r.u);

const DESIRED = `SELECT g.id, g.name, g.owner_id,
       coalesce(array_agg(m.user_id) FILTER (WHERE m.user_id IS NOT NULL), '{}') AS members
  FROM groups g LEFT JOIN group_members m ON m.group_id = g.id
 WHERE g.id = ANY($1::text[]) GROUP BY g.id`;
const DESIRED_JSON = `SELECT g.id, g.name, g.owner_id,
       coalesce(json_agg(m.user_id) FILTER (WHERE m.user_id IS NOT NULL), '[]')::text AS members
  FROM groups g LEFT JOIN group_members m ON m.group_id = g.id
 WHERE g.id = ANY($1::text[]) GROUP BY g.id`;
const LISTS_ROWS = `SELECT m.user_id, g.id AS group_id, g.name FROM group_members m JOIN groups g ON g.id = m.group_id
 WHERE m.user_id = ANY($1::text[]) ORDER BY m.user_id, g.id`;
const LISTS_AGG = `SELECT m.user_id, array_agg(g.id ORDER BY g.id) AS ids, array_agg(g.name ORDER BY g.id) AS names
  FROM group_members m JOIN groups g ON g.id = m.group_id WHERE m.user_id = ANY($1::text[]) GROUP BY m.user_id`;

async function time(label: string, f: () => Promise<unknown>): Promise<void> {
  const xs: number[] = [];
  let cpu = 0;
  for (let i = 0; i < ROUNDS; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await f();
    xs.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu += (c.user + c.system) / 1000;
  }
  xs.sort((a, b) => a - b);
  console.log(`${label.padEnd(36)} median ${xs[xs.length >> 1]!.toFixed(0).padStart(5)} ms, node CPU ${(cpu / ROUNDS).toFixed(0).padStart(5)} ms`);
}

await time('prisma  states via findMany (1000 ids, IN list)', () => db.prisma.groupState.findMany({ where: { groupId: { in: groups } } }));
await time('prisma  states via $queryRaw (= ANY array)', () =>
  db.prisma.$queryRawUnsafe('SELECT * FROM rongsync_group_state WHERE group_id = ANY($1::text[])', groups),
);
for (const [name, sql, arg] of [
  ['desired (1000 groups)', DESIRED, groups],
  ['desired, members as JSON text', DESIRED_JSON, groups],
  [`lists, one row per membership (${users.length} users)`, LISTS_ROWS, users],
  [`lists, one row per user (${users.length} users)`, LISTS_AGG, users],
] as const) {
  await time(`prisma  ${name}`, () => db.prisma.$queryRawUnsafe(sql, arg));
  await time(`pg      ${name}`, () => db.pool.query(sql, [arg]));
}
await db.close();
