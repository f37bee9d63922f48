// The JSON report is exactly the loaded RunReport and round-trips.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderReport } from '../../src/report/index.js';
import { loadRunReport } from '../../src/report/load.js';
import type { RunReport } from '../../src/report/types.js';
import type { TestDatabase } from '../helpers/database.js';
import { HOSTILE_ID, createFixtureReports } from './fixtures.js';

let t: TestDatabase;
let partial: RunReport;
beforeAll(async () => {
  ({ t, partial } = await createFixtureReports());
});
afterAll(() => t.drop());

describe('json report', () => {
  it('parses back to the loaded report', () => {
    const json = renderReport(partial, 'json');
    expect(JSON.parse(json)).toEqual(partial);
    expect(json).toBe(`${JSON.stringify(partial, null, 2)}\n`);
  });

  it('is stable: the same run renders byte-identically', async () => {
    const again = (await loadRunReport(t.db.prisma, partial.runId))!;
    expect(renderReport(again, 'json')).toBe(renderReport(partial, 'json'));
  });

  it('carries the schema version, the guard and app data unchanged', () => {
    const parsed = JSON.parse(renderReport(partial, 'json')) as RunReport;
    expect(parsed.schema).toBe('rongsync.report/v1');
    expect(parsed.blocked).toEqual({ reason: 'over RONGSYNC_MAX_DELETES', deletes: 1200, share: 0.482 });
    const hostile = parsed.items.find((i) => i.kind === 'failed')!;
    expect(hostile.groupId).toBe(HOSTILE_ID);
    expect(hostile.errorCode).toBe(1002);
    expect(hostile.ageMs).toBe(45_000);
  });
});
