// Dev script: writes the next migration for a schema.prisma change, offline.
//
//   npx tsx scripts/new-migration.ts <name>          writes prisma/migrations/<UTC timestamp>_<name>/migration.sql
//   npx tsx scripts/new-migration.ts <name> --print  prints the SQL, writes nothing
//   --migrations <dir>  another migrations folder (its schema is <dir>/../schema.prisma)
//
// Prisma's native schema engine cannot be downloaded here, so this asks its WASM build
// (@prisma/schema-engine-wasm, internal and unstable) for the diff "prisma/migrations → schema.prisma",
// replaying the migrations on an in-memory PGlite shadow — what `prisma migrate dev --create-only`
// would generate. It never connects to a real database. Prisma does not model functions or
// triggers: a change that needs them is still written by hand (review the output either way).
//
// The engine plumbing lives in test/helpers/prisma-engine.ts, shared with the conformance tests
// that prove it (test/db/prisma-engine.test.ts).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_MIGRATIONS_DIR } from '../src/db/migrate/files.js';
import { NO_FILTERS, engineErrorMessage, freshPGlite, openSchemaEngine, readMigrationList } from '../test/helpers/prisma-engine.js';

const USAGE =
  'usage: npx tsx scripts/new-migration.ts <name> [--print] [--migrations <dir>]   (name: lowercase letters, digits, _)';

/** Prisma's folder timestamp: UTC YYYYMMDDHHMMSS. */
function timestamp(d: Date): string {
  return d.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

async function main(argv: string[]): Promise<number> {
  const args = [...argv];
  const print = args.includes('--print');
  let migrationsDir = DEFAULT_MIGRATIONS_DIR;
  const at = args.indexOf('--migrations');
  if (at >= 0) {
    const dir = args[at + 1];
    if (!dir) {
      console.error(USAGE);
      return 64;
    }
    migrationsDir = dir;
    args.splice(at, 2);
  }
  const [name, ...rest] = args.filter((a) => a !== '--print');
  if (!name || rest.length || !/^[a-z0-9_]+$/.test(name)) {
    console.error(USAGE);
    return 64;
  }
  const schemaText = readFileSync(join(migrationsDir, '..', 'schema.prisma'), 'utf8');

  const main = await freshPGlite(); // never written: the diff only uses shadow databases
  const handle = await openSchemaEngine({ kind: 'pglite', db: main }, schemaText);
  try {
    const out = await handle.engine.diff({
      from: { tag: 'migrations', ...readMigrationList(migrationsDir) },
      to: { tag: 'schemaDatamodel', files: [{ path: 'schema.prisma', content: schemaText }] },
      script: true,
      exitCode: true,
      filters: NO_FILTERS,
    });
    if (out.exitCode === 0) {
      console.log('schema.prisma and prisma/migrations already agree: no migration written.');
      return 0;
    }
    const script = out.stdout ?? '';
    if (print) {
      process.stdout.write(script);
      return 0;
    }
    const folder = join(migrationsDir, `${timestamp(new Date())}_${name}`);
    if (existsSync(folder)) {
      console.error(`${folder} already exists`);
      return 1;
    }
    mkdirSync(folder);
    writeFileSync(join(folder, 'migration.sql'), script);
    console.log(`wrote ${join(folder, 'migration.sql')} — review it, then run test/db/schema-matches.test.ts and test/db/prisma-engine.test.ts`);
    return 0;
  } catch (e) {
    console.error(`Prisma's schema engine failed: ${engineErrorMessage(e)}`);
    return 1;
  } finally {
    await handle.close();
    await main.close();
  }
}

process.exitCode = await main(process.argv.slice(2));
