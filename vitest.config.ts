import { defineConfig } from 'vitest/config';

/** Pure code (planner, settle, verdict, config, log format, answer classification, id rules): no Postgres, no emulator. */
const UNIT = [
  'test/config/**/*.test.ts',
  'test/log/{logger,run-log,setup,throttle}.test.ts',
  'test/reconcile/plan/**/*.test.ts',
  'test/reconcile/{settle,verdict}.test.ts',
  'test/remote/classify.test.ts',
  'test/report/format.test.ts',
  'test/rules/**/*.test.ts',
  'test/emulator/units.test.ts',
];

export default defineConfig({
  test: {
    // Each integration file gets its own database and emulator, so files run in parallel safely.
    pool: 'forks',
    // Most files wait on Postgres, the emulator or a child process rather than on the CPU, so three
    // files at a time finish in about half the time of vitest's default (cores - 1 = one on CI).
    maxWorkers: 3,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // `npm test` runs both; `npm run test:unit` the first alone (seconds, no Postgres needed).
    projects: [
      { extends: true, test: { name: 'unit', include: UNIT } },
      {
        extends: true,
        test: { name: 'integration', include: ['test/**/*.test.ts'], exclude: UNIT, globalSetup: ['test/helpers/global-setup.ts'] },
      },
    ],
  },
});
