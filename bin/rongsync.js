#!/usr/bin/env node
// `rongsync` executable. From a checkout it runs the TypeScript sources through tsx (no build
// step), after making sure the Prisma client has been generated (npm ci does not run our scripts
// for us). Where only the compiled JavaScript is shipped (the Docker image, a packed package:
// dist/ without src/), it runs that, with no tsx at run time.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const sources = join(root, 'src', 'cli', 'main.ts');
if (!existsSync(sources)) {
  await import(pathToFileURL(join(root, 'dist', 'cli', 'main.js')).href);
} else {
  if (!existsSync(join(root, 'src', 'generated', 'prisma', '.schema-hash'))) {
    const r = spawnSync(process.execPath, [join(root, 'scripts', 'generate.js')], { stdio: 'inherit' });
    if (r.status !== 0) process.exit(r.status ?? 1);
  }
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(sources).href);
}
