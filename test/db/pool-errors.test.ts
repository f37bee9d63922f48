// A pooled connection that the server ends while it is checked out (a Prisma transaction between
// two statements) must fail that transaction, not crash the process: pg emits 'error' on a client
// with no query running, and pg-pool listens only while the client is idle in the pool.
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createEmptyDatabase, type EmptyDatabase } from '../helpers/database.js';

let empty: EmptyDatabase;
beforeAll(async () => {
  empty = await createEmptyDatabase();
});
afterAll(() => empty.drop());

it('a session ended under a transaction or a checked-out connection fails what used it; the process and the pool carry on', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/db/fixtures/terminate-in-transaction.ts', empty.url], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  expect({ code, err: err.split('\n').slice(0, 5).join('\n') }).toEqual({ code: 0, err: '' });
  expect(out).toMatch(/^failed: .+\nfailed: .+\nafterwards: 1\n$/);
});
