#!/usr/bin/env node
// Generates the Prisma client into src/generated/prisma without network access.
//
// Prisma's CLI looks for its native schema-engine binary before every command and tries to
// download it; this machine (and CI) cannot reach the download host. `generate` never runs that
// binary, so pointing PRISMA_SCHEMA_ENGINE_BINARY at any existing file is enough. Migrations are
// NOT run through Prisma's CLI — see src/db/migrate/.
//
// Skips the work when the schema has not changed since the last generation (stamp file).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const schemaPath = join(root, 'prisma', 'schema.prisma');
const outDir = join(root, 'src', 'generated', 'prisma');
const stampPath = join(outDir, '.schema-hash');

const require = createRequire(import.meta.url);
const prismaVersion = require('prisma/package.json').version;
const hash = createHash('sha256')
  .update(readFileSync(schemaPath))
  .update(prismaVersion)
  .digest('hex');

const force = process.argv.includes('--force');
if (!force && existsSync(stampPath) && readFileSync(stampPath, 'utf8') === hash) {
  process.exit(0);
}

const prismaCli = require.resolve('prisma/build/index.js');
const result = spawnSync(process.execPath, [prismaCli, 'generate', '--schema', schemaPath], {
  cwd: root,
  stdio: ['ignore', 'pipe', 'pipe'],
  env: {
    ...process.env,
    PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? process.execPath,
    PRISMA_HIDE_UPDATE_MESSAGE: '1',
    CHECKPOINT_DISABLE: '1',
  },
});
if (result.status !== 0) {
  process.stderr.write(result.stdout);
  process.stderr.write(result.stderr);
  process.stderr.write('\nrongsync: `prisma generate` failed (see above).\n');
  process.exit(result.status ?? 1);
}
writeFileSync(stampPath, hash);
