// The shadow's member-array GIN index is built without fast update: with it, every lookup of a
// user's groups reads the whole pending list (up to 4 MB) while the shadow is being written.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());

it('has fast update off, so lookups never scan a pending list', async () => {
  const [row] = await t.sql<{ reloptions: string[] | null; am: string }>(
    `SELECT c.reloptions, a.amname AS am FROM pg_class c JOIN pg_am a ON a.oid = c.relam WHERE c.relname = 'rongsync_remote_groups_members_idx'`,
  );
  expect(row).toEqual({ reloptions: ['fastupdate=off'], am: 'gin' });
});
