#!/usr/bin/env node
// `rongsync` executable. Runs the TypeScript sources through tsx (no build step), after making
// sure the Prisma client has been generated (npm ci does not run our scripts for us).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
if (!existsSync(join(root, 'src', 'generated', 'prisma', '.schema-hash'))) {
  const r = spawnSync(process.execPath, [join(root, 'scripts', 'generate.js')], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
register();
await import('../src/cli/main.ts');
