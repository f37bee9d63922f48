// Prisma's schema engine (the Rust migrate engine compiled to WASM, @prisma/schema-engine-wasm)
// driven offline through driver adapters, so tests and dev scripts can ask Prisma itself to
// apply, diagnose and diff our migrations without the native binary.
//
// Internal, unstable API: SchemaEngine.new(options, logCallback, boundAdapterFactory). The factory
// must be "bound" (methods return { ok, value } / { ok: false, error } results), which is what
// @prisma/driver-adapter-utils' bindMigrationAwareSqlAdapterFactory does for Prisma's own code.
//
// Two adapter traps this file exists to avoid:
//   - pglite-prisma-adapter 0.7.2 `executeScript` does not await PGlite's exec(): a failing
//     migration is recorded by the engine as applied (finished_at set, logs null) and the error
//     becomes an unhandled rejection. `fixedPGliteAdapter` awaits it.
//   - @prisma/adapter-pg's connectToShadowDb reuses the main connection settings (built from a
//     connection string, the "shadow" is the main database) and its executeScript splits on ';',
//     which breaks plpgsql bodies. Our factories never use it for the shadow: shadows are fresh
//     in-memory PGlite instances.
//   - @prisma/adapter-pg 7.10.1 has no column type for Postgres' internal `"char"` (oid 18, e.g.
//     pg_constraint.contype), so every engine command that describes the main database's schema
//     (devDiagnostic, diff from a url, db push, introspect) fails with
//     `Column type 'char' could not be deserialized from the database`. With `charAsText`, the
//     engine's pool reports oid-18 result columns as text (the values already are one-character
//     strings); pglite-prisma-adapter maps the same oid to Character and needs no shim.
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import type * as EngineModule from '@prisma/schema-engine-wasm';
import type { MigrationList, SchemaFilter } from '@prisma/schema-engine-wasm';
import type pg from 'pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';

type SchemaEngine = EngineModule.SchemaEngine;
export type { MigrationList } from '@prisma/schema-engine-wasm';

export const NO_FILTERS: SchemaFilter = { externalTables: [], externalEnums: [] };

let enginePromise: Promise<typeof EngineModule> | undefined;

/**
 * Loads the WASM engine once per process. The package's entry does `import * as wasm from
 * "./schema_engine_bg.wasm"` (ESM-integration, needs --experimental-wasm-modules on Node 20), so
 * this instantiates the .wasm by hand with the JS glue as its import object, as that entry would.
 */
type WasmExports = Record<string, unknown>;
/** The slice of the WebAssembly global used here (this project's `lib` has no DOM/wasm types). */
const wasmApi = (globalThis as unknown as {
  WebAssembly: { instantiate(bytes: Uint8Array, imports: object): Promise<{ instance: { exports: WasmExports } }> };
}).WebAssembly;

function loadSchemaEngine(): Promise<typeof EngineModule> {
  enginePromise ??= (async () => {
    const require = createRequire(import.meta.url);
    const gluePath = require.resolve('@prisma/schema-engine-wasm/schema_engine_bg');
    const glue = (await import('@prisma/schema-engine-wasm/schema_engine_bg')) as typeof EngineModule & {
      __wbg_set_wasm(exports: WasmExports): void;
    };
    const bytes = readFileSync(join(dirname(gluePath), 'schema_engine_bg.wasm'));
    const { instance } = await wasmApi.instantiate(bytes, { './schema_engine_bg.js': glue });
    glue.__wbg_set_wasm(instance.exports);
    (instance.exports['__wbindgen_start'] as (() => void) | undefined)?.();
    return glue;
  })();
  return enginePromise;
}

let emptyDataDir: Promise<File | Blob> | undefined;

/**
 * A fresh, empty in-memory Postgres. initdb costs 2-4 s per instance, so the first empty cluster
 * is dumped once per process and later instances are loaded from that dump (~0.7 s).
 */
export async function freshPGlite(): Promise<PGlite> {
  emptyDataDir ??= (async () => {
    const template = new PGlite();
    await template.waitReady;
    const dump = await template.dumpDataDir('none');
    await template.close();
    return dump;
  })();
  const db = new PGlite({ loadDataDir: await emptyDataDir });
  await db.waitReady;
  return db;
}

/** A PGlite adapter whose executeScript awaits the script (see the header). */
async function fixedPGliteAdapter(db: PGlite): Promise<object> {
  const adapter = (await new PrismaPGlite(db).connect()) as unknown as {
    executeScript(script: string): Promise<void>;
    onError(e: unknown): never;
  };
  adapter.executeScript = async (script: string) => {
    try {
      await db.exec(script);
    } catch (e) {
      adapter.onError(e); // rethrows as DriverAdapterError, which the binder turns into an engine error
    }
  };
  return adapter;
}

/** What the engine's log callback received, and every shadow database it asked for. */
export interface EngineHandle {
  engine: SchemaEngine;
  /** Parsed JSON log lines from the engine (tracing events). */
  logs: Record<string, unknown>[];
  /** How many shadow databases the engine opened (each a fresh in-memory PGlite). */
  shadowCount(): number;
  /** Frees the engine and closes the shadow databases (not the main database). */
  close(): Promise<void>;
}

type MainConnection =
  | { kind: 'pglite'; db: PGlite }
  /** `charAsText`: apply the `"char"` shim (see the header). @default true */
  | { kind: 'pg'; pool: pg.Pool; charAsText?: boolean };

const PG_CHAR_OID = 18;
const PG_TEXT_OID = 25;

/** The same pool, whose query results report `"char"` columns as text. Only queries change. */
function charAsTextPool(pool: pg.Pool): pg.Pool {
  const query = async (...args: unknown[]) => {
    const result = (await (pool.query as (...a: unknown[]) => Promise<pg.QueryResult>)(...args)) as pg.QueryResult;
    for (const f of result.fields ?? []) if (f.dataTypeID === PG_CHAR_OID) f.dataTypeID = PG_TEXT_OID;
    return result;
  };
  return new Proxy(pool, {
    get(target, prop) {
      if (prop === 'query') return query;
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

/**
 * A schema engine whose main database is `main` (an in-memory PGlite, or a real Postgres reached
 * through a pg.Pool you own) and whose shadow databases are fresh in-memory PGlite instances.
 * `schemaText` is the datamodel the engine is constructed with (optional).
 */
export async function openSchemaEngine(main: MainConnection, schemaText?: string): Promise<EngineHandle> {
  const mod = await loadSchemaEngine();
  const shadows: PGlite[] = [];
  const factory = {
    provider: 'postgres' as const,
    adapterName: main.kind === 'pglite' ? 'pglite-prisma-adapter(awaited executeScript)' : '@prisma/adapter-pg',
    connect: async () =>
      main.kind === 'pglite'
        ? fixedPGliteAdapter(main.db)
        : new PrismaPg(main.charAsText === false ? main.pool : charAsTextPool(main.pool)).connect(),
    connectToShadowDb: async () => {
      const shadow = await freshPGlite();
      shadows.push(shadow);
      return fixedPGliteAdapter(shadow);
    },
  };
  const logs: Record<string, unknown>[] = [];
  const bound = bindMigrationAwareSqlAdapterFactory(
    factory as unknown as Parameters<typeof bindMigrationAwareSqlAdapterFactory>[0],
  );
  const engine = await mod.SchemaEngine.new(
    { datamodels: schemaText === undefined ? undefined : [['schema.prisma', schemaText]] },
    (line: string) => {
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        logs.push({ raw: line });
      }
    },
    bound,
  );
  return {
    engine,
    logs,
    shadowCount: () => shadows.length,
    async close() {
      engine.free();
      await Promise.all(shadows.map((s) => s.close().catch(() => {})));
    },
  };
}

/**
 * The migrations folder exactly as Prisma's CLI hands it to the engine (its `listMigrations`):
 * every subdirectory, sorted with localeCompare, migration.sql read as UTF-8 (a missing file is
 * passed as an error entry, which the engine reports).
 */
export function readMigrationList(dir: string, shadowDbInitScript = ''): MigrationList {
  let lockContent: string | null = null;
  try {
    lockContent = readFileSync(join(dir, 'migration_lock.toml'), 'utf8');
  } catch {
    lockContent = null;
  }
  const migrationDirectories = readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => {
      let content: MigrationList['migrationDirectories'][number]['migrationFile']['content'];
      try {
        content = { tag: 'ok', value: readFileSync(join(dir, e.name, 'migration.sql'), 'utf8') };
      } catch (err) {
        content = { tag: 'error', value: (err as Error).message };
      }
      return { path: e.name, migrationFile: { path: 'migration.sql', content } };
    })
    .sort((a, b) => a.path.localeCompare(b.path));
  return { baseDir: dir, lockfile: { path: 'migration_lock.toml', content: lockContent }, shadowDbInitScript, migrationDirectories };
}

/** The engine rejects with a JS Error whose message is Prisma's user-facing error (JSON or text). */
export function engineErrorMessage(e: unknown): string {
  return e instanceof Error ? e.message : typeof e === 'string' ? e : JSON.stringify(e);
}
