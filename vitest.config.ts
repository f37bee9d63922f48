import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Each file gets its own database and emulator, so files run in parallel safely.
    pool: 'forks',
    // Most files wait on Postgres, the emulator or a child process rather than on the CPU, so three
    // files at a time finish in about half the time of vitest's default (cores - 1 = one on CI).
    maxWorkers: 3,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    globalSetup: ['test/helpers/global-setup.ts'],
  },
});
