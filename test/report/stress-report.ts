// A drift report that pushes the layout: made by a real reconcile run (real planner, guard and
// emulator), with an 80-character name, a 64-character unbroken id, CJK names, failed calls,
// invalid rows and the mass-deletion guard holding kicks back. Used by the HTML layout test.
import { loadRunReport } from '../../src/report/load.js';
import type { RunReport } from '../../src/report/types.js';
import { createHarness, type Harness } from '../helpers/reconcile.js';

export const LONG_NAME = 'QuarterlyCrossFunctionalPlanningAndRetrospectiveWorkingGroupOfThePlatformTeam042'; // 80, unbroken
export const LONG_ID = 'tenant_4f9c2a7e1b3d5f60_workspace_8a1b2c3d4e5f6071_channel_00001';
export const CJK = { 'cn-rd': '研发部·北京·第一小组（后端与基础设施）', 'cn-ops': '运营中心 上海 客户成功团队', 'jp-sales': '営業本部 東京 第二営業課' } as const;

export async function createStressReport(): Promise<{ h: Harness; report: RunReport }> {
  // The guard trips on more than 3 removals; ids over 30 characters and names over 60 are invalid.
  const h = await createHarness({ RONGSYNC_MAX_DELETES: '3' });
  const sql = h.t.sql.bind(h.t);
  // Groups that exist remotely first: some will lose members (held by the guard), some gain one
  // (their invite fails).
  await sql(`INSERT INTO groups (id, name) SELECT 'team-' || i, 'Team ' || i FROM generate_series(1, 4) i`);
  await sql(`INSERT INTO group_members SELECT 'team-' || i, 'user-' || j FROM generate_series(1, 4) i, generate_series(1, 6) j`);
  await sql(`INSERT INTO groups (id, name) VALUES ('squad-a', 'Squad A'), ('squad-b', 'Squad B')`);
  await sql(`INSERT INTO group_members VALUES ('squad-a', 'alice'), ('squad-b', 'bob')`);
  const first = await h.run();
  if (first.status !== 'succeeded') throw new Error(`setup run ${first.status}: ${first.error}`);

  await sql(`DELETE FROM group_members WHERE group_id LIKE 'team-%' AND user_id <> 'user-1'`); // 20 removals: guard
  await sql(`INSERT INTO group_members VALUES ('squad-a', 'carol'), ('squad-b', 'dave')`); // invites that fail
  await sql(`INSERT INTO groups (id, name) VALUES ('long-name', $1), ($2, 'Tenant channel')`, [LONG_NAME, LONG_ID]);
  await sql(`INSERT INTO group_members VALUES ('long-name', 'alice'), ($1, 'alice')`, [LONG_ID]);
  for (const [id, name] of Object.entries(CJK)) {
    await sql(`INSERT INTO groups (id, name) VALUES ($1, $2)`, [id, name]);
    await sql(`INSERT INTO group_members VALUES ($1, '张伟'), ($1, '李娜'), ($1, 'user_with_a_rather_long_identifier_0001')`, [id]);
  }
  h.emulator.setFaults({ errorRate: 1, paths: ['/group/join.json'] });
  try {
    const run = await h.run();
    const report = await loadRunReport(h.t.db.prisma, run.runId);
    if (report === null) throw new Error('run not recorded');
    return { h, report };
  } finally {
    h.emulator.setFaults({});
  }
}
