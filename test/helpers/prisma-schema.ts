// The declared schema (prisma/schema.prisma, read through Prisma's own parser) and the migrated
// database, both reduced to one plain shape, and a pure diff between them.
//
//   expectedSchema(schemaText)  — DMMF from @prisma/prisma-schema-wasm `get_dmmf`, mapped to the
//                                 Postgres objects Prisma Migrate would create for it;
//   readDatabaseSchema(query)   — the same shape from pg_catalog, through any `query` function
//                                 (node-postgres or PGlite);
//   diffSchemas(expected, actual) — one message per difference, naming the table/column and both
//                                 sides; no I/O.
//
// Prisma's conventions that are encoded here, because the database side must be read the way
// Prisma Migrate writes it:
//   - scalar lists (`String[]`) are created nullable (Prisma never emits NOT NULL for arrays);
//   - constraint/index names default to <table>_pkey, <table>_<cols>_fkey, <table>_<cols>_idx,
//     <table>_<cols>_key (only short names are handled: Prisma truncates above 63 bytes);
//   - a relation without onUpdate cascades on update; without onDelete it is SetNull when
//     optional and Restrict when required.
import { createRequire } from 'node:module';

// The package is CommonJS wasm-bindgen output; createRequire keeps its synchronous init.
const require = createRequire(import.meta.url);
const { get_dmmf } = require('@prisma/prisma-schema-wasm') as { get_dmmf(params: string): string };

// ─── DMMF (only what this file reads) ──────────────────────────────────────────────────────────

interface DmmfField {
  name: string;
  dbName?: string | null;
  kind: 'scalar' | 'object' | 'enum' | 'unsupported';
  isList: boolean;
  isRequired: boolean;
  isId: boolean;
  isUnique: boolean;
  type: string;
  nativeType?: [string, string[]] | null;
  hasDefaultValue: boolean;
  default?: unknown;
  relationFromFields?: string[];
  relationToFields?: string[];
  relationOnDelete?: string;
  relationOnUpdate?: string;
}

interface DmmfModel {
  name: string;
  dbName: string | null;
  fields: DmmfField[];
  primaryKey: { name: string | null; fields: string[] } | null;
}

interface DmmfIndex {
  model: string;
  type: 'id' | 'normal' | 'unique' | 'fulltext';
  name?: string;
  dbName?: string;
  algorithm?: string;
  fields: { name: string }[];
}

interface Dmmf {
  datamodel: { models: DmmfModel[]; enums: { name: string; dbName?: string | null }[]; indexes: DmmfIndex[] };
}

function getDmmf(schemaText: string): Dmmf {
  return JSON.parse(get_dmmf(JSON.stringify({ prismaSchema: schemaText }))) as Dmmf;
}

// ─── The shared shape ──────────────────────────────────────────────────────────────────────────

interface ColumnShape {
  /** As Postgres' format_type() prints it, e.g. `timestamp(6) with time zone`, `text[]`. */
  type: string;
  nullable: boolean;
  /** As pg_get_expr() prints the column default; null = no default. */
  default: string | null;
}

interface ForeignKeyShape {
  name: string;
  columns: string[];
  refTable: string;
  refColumns: string[];
  /** Postgres action words: CASCADE, SET NULL, RESTRICT, NO ACTION, SET DEFAULT. */
  onDelete: string;
  onUpdate: string;
}

interface IndexShape {
  name: string;
  columns: string[];
  unique: boolean;
  /** Access method: btree, gin, gist, hash, brin, spgist. */
  method: string;
}

interface TableShape {
  columns: Record<string, ColumnShape>;
  primaryKey: { name: string; columns: string[] } | null;
  foreignKeys: ForeignKeyShape[];
  /** Secondary indexes (the primary key's index is not listed). */
  indexes: IndexShape[];
}

export type SchemaShape = Record<string, TableShape>;

// ─── schema.prisma → expected shape ────────────────────────────────────────────────────────────

const ACTIONS: Record<string, string> = {
  Cascade: 'CASCADE',
  SetNull: 'SET NULL',
  Restrict: 'RESTRICT',
  NoAction: 'NO ACTION',
  SetDefault: 'SET DEFAULT',
};

const INDEX_METHODS: Record<string, string> = {
  BTree: 'btree',
  Hash: 'hash',
  Gist: 'gist',
  Gin: 'gin',
  SpGist: 'spgist',
  Brin: 'brin',
};

/** Unsupported schema feature: fail loudly instead of comparing something we cannot map. */
class UnmappedSchemaError extends Error {
  constructor(where: string, what: string) {
    super(`prisma-schema test helper cannot map ${what} (${where}); extend test/helpers/prisma-schema.ts`);
    this.name = 'UnmappedSchemaError';
  }
}

function columnType(model: DmmfModel, f: DmmfField, enumDbName: (n: string) => string): string {
  const where = `${model.name}.${f.name}`;
  let base: string;
  if (f.kind === 'enum') {
    base = `"${enumDbName(f.type)}"`;
  } else if (f.nativeType) {
    const [native, args] = f.nativeType;
    const a = args.join(',');
    switch (native) {
      case 'Timestamptz':
        base = `timestamp(${a || '6'}) with time zone`;
        break;
      case 'Timestamp':
        base = `timestamp(${a || '6'}) without time zone`;
        break;
      case 'VarChar':
        base = a ? `character varying(${a})` : 'character varying';
        break;
      case 'Char':
        base = `character(${a || '1'})`;
        break;
      case 'Text':
        base = 'text';
        break;
      case 'Uuid':
        base = 'uuid';
        break;
      case 'Date':
        base = 'date';
        break;
      case 'SmallInt':
        base = 'smallint';
        break;
      case 'Integer':
        base = 'integer';
        break;
      case 'BigInt':
        base = 'bigint';
        break;
      case 'JsonB':
        base = 'jsonb';
        break;
      case 'Json':
        base = 'json';
        break;
      case 'Decimal':
        base = `numeric(${a || '65,30'})`;
        break;
      default:
        throw new UnmappedSchemaError(where, `native type @db.${native}`);
    }
  } else {
    const scalar: Record<string, string> = {
      String: 'text',
      Int: 'integer',
      BigInt: 'bigint',
      Boolean: 'boolean',
      DateTime: 'timestamp(3) without time zone',
      Json: 'jsonb',
      Float: 'double precision',
      Decimal: 'numeric(65,30)',
      Bytes: 'bytea',
    };
    const t = scalar[f.type];
    if (!t) throw new UnmappedSchemaError(where, `type ${f.type}`);
    base = t;
  }
  return f.isList ? `${base}[]` : base;
}

/** The default as pg_get_expr() prints what Prisma Migrate would write for this field. */
function columnDefault(table: string, column: string, type: string, f: DmmfField, where: string): string | null {
  if (!f.hasDefaultValue) return null;
  const d = f.default;
  if (Array.isArray(d)) {
    if (d.length === 0) return `ARRAY[]::${type}`;
    throw new UnmappedSchemaError(where, `non-empty list default ${JSON.stringify(d)}`);
  }
  if (d !== null && typeof d === 'object' && 'name' in d) {
    const fn = (d as { name: string }).name;
    if (fn === 'now') return 'CURRENT_TIMESTAMP';
    if (fn === 'autoincrement') return `nextval('${table}_${column}_seq'::regclass)`;
    throw new UnmappedSchemaError(where, `default function ${fn}()`);
  }
  if (typeof d === 'boolean' || typeof d === 'number') return String(d);
  if (typeof d === 'string') {
    const cast = f.type === 'Json' ? 'jsonb' : f.kind === 'enum' ? type : 'text';
    return `'${d.replace(/'/g, "''")}'::${cast}`;
  }
  throw new UnmappedSchemaError(where, `default ${JSON.stringify(d)}`);
}

/** What Prisma Migrate would create in Postgres for this schema.prisma text. */
export function expectedSchema(schemaText: string): SchemaShape {
  const { datamodel } = getDmmf(schemaText);
  const models = new Map(datamodel.models.map((m) => [m.name, m]));
  const tableOf = (m: DmmfModel) => m.dbName ?? m.name;
  const colOf = (m: DmmfModel, fieldName: string) => {
    const f = m.fields.find((x) => x.name === fieldName);
    if (!f) throw new UnmappedSchemaError(m.name, `unknown field ${fieldName}`);
    return f.dbName ?? f.name;
  };
  const enumDbName = (n: string) => datamodel.enums.find((e) => e.name === n)?.dbName ?? n;

  const out: SchemaShape = {};
  for (const m of datamodel.models) {
    const table = tableOf(m);
    const t: TableShape = { columns: {}, primaryKey: null, foreignKeys: [], indexes: [] };
    for (const f of m.fields) {
      if (f.kind === 'object') continue;
      const where = `${m.name}.${f.name}`;
      if (f.kind === 'unsupported') throw new UnmappedSchemaError(where, 'Unsupported(...) type');
      const column = f.dbName ?? f.name;
      const type = columnType(m, f, enumDbName);
      t.columns[column] = {
        type,
        // Prisma creates scalar lists without NOT NULL.
        nullable: f.isList ? true : !f.isRequired,
        default: columnDefault(table, column, type, f, where),
      };
    }

    const idField = m.fields.find((f) => f.isId);
    const pkFields = m.primaryKey?.fields ?? (idField ? [idField.name] : []);
    if (pkFields.length) {
      t.primaryKey = { name: m.primaryKey?.name ?? `${table}_pkey`, columns: pkFields.map((n) => colOf(m, n)) };
    }

    for (const f of m.fields) {
      if (f.kind !== 'object' || !f.relationFromFields?.length) continue;
      const target = models.get(f.type);
      if (!target) throw new UnmappedSchemaError(`${m.name}.${f.name}`, `relation to unknown model ${f.type}`);
      const columns = f.relationFromFields.map((n) => colOf(m, n));
      t.foreignKeys.push({
        name: `${table}_${columns.join('_')}_fkey`,
        columns,
        refTable: tableOf(target),
        refColumns: (f.relationToFields ?? []).map((n) => colOf(target, n)),
        onDelete: ACTIONS[f.relationOnDelete ?? (f.isRequired ? 'Restrict' : 'SetNull')] ?? `?${f.relationOnDelete}`,
        onUpdate: ACTIONS[f.relationOnUpdate ?? 'Cascade'] ?? `?${f.relationOnUpdate}`,
      });
    }

    for (const ix of datamodel.indexes) {
      if (ix.model !== m.name || ix.type === 'id') continue;
      if (ix.type === 'fulltext') throw new UnmappedSchemaError(m.name, 'a fulltext index');
      const columns = ix.fields.map((x) => colOf(m, x.name));
      const unique = ix.type === 'unique';
      t.indexes.push({
        name: ix.dbName ?? `${table}_${columns.join('_')}_${unique ? 'key' : 'idx'}`,
        columns,
        unique,
        method: INDEX_METHODS[ix.algorithm ?? 'BTree'] ?? `?${ix.algorithm}`,
      });
    }
    out[table] = t;
  }
  return out;
}

// ─── database → actual shape ───────────────────────────────────────────────────────────────────

/** Runs one read-only statement; node-postgres and PGlite both fit. */
export type QueryFn = (sql: string) => Promise<Record<string, unknown>[]>;

const ACTION_CODES: Record<string, string> = {
  a: 'NO ACTION',
  r: 'RESTRICT',
  c: 'CASCADE',
  n: 'SET NULL',
  d: 'SET DEFAULT',
};

/**
 * Every ordinary/partitioned table of `schema` with its columns, primary key, foreign keys and
 * secondary indexes. Tables in `ignore` are left out.
 */
export async function readDatabaseSchema(
  query: QueryFn,
  options: { schema?: string; ignore?: string[] } = {},
): Promise<SchemaShape> {
  const schema = (options.schema ?? 'public').replace(/'/g, "''");
  const ignore = new Set(options.ignore ?? []);
  const inSchema = `c.relnamespace = '${schema}'::regnamespace AND c.relkind IN ('r', 'p')`;

  const columns = await query(`
    SELECT c.relname AS table, a.attname AS column, format_type(a.atttypid, a.atttypmod) AS type,
           NOT a.attnotnull AS nullable, pg_get_expr(d.adbin, d.adrelid) AS default
      FROM pg_class c
      JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
      LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
     WHERE ${inSchema}
     ORDER BY c.relname, a.attnum`);
  const constraints = await query(`
    SELECT c.relname AS table, k.conname AS name, k.contype AS kind,
           (SELECT array_agg(a.attname ORDER BY u.i) FROM unnest(k.conkey) WITH ORDINALITY u(n, i)
              JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.n) AS columns,
           r.relname AS ref_table,
           (SELECT array_agg(a.attname ORDER BY u.i) FROM unnest(k.confkey) WITH ORDINALITY u(n, i)
              JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.n) AS ref_columns,
           k.confdeltype AS on_delete, k.confupdtype AS on_update
      FROM pg_constraint k
      JOIN pg_class c ON c.oid = k.conrelid
      LEFT JOIN pg_class r ON r.oid = k.confrelid
     WHERE ${inSchema} AND k.contype IN ('p', 'f')
     ORDER BY c.relname, k.conname`);
  const indexes = await query(`
    SELECT c.relname AS table, ic.relname AS name, i.indisunique AS unique, am.amname AS method,
           (SELECT array_agg(coalesce(a.attname, '(expression)') ORDER BY u.i)
              FROM unnest(i.indkey::int2[]) WITH ORDINALITY u(n, i)
              LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = u.n) AS columns
      FROM pg_index i
      JOIN pg_class c ON c.oid = i.indrelid
      JOIN pg_class ic ON ic.oid = i.indexrelid
      JOIN pg_am am ON am.oid = ic.relam
     WHERE ${inSchema} AND NOT i.indisprimary
     ORDER BY c.relname, ic.relname`);

  // node-postgres parses name[] into string[]; PGlite may too, but accept the text form as well.
  const arr = (v: unknown): string[] =>
    Array.isArray(v) ? v.map(String) : typeof v === 'string' ? v.replace(/^\{|\}$/g, '').split(',').filter(Boolean) : [];

  const out: SchemaShape = {};
  const table = (name: string): TableShape =>
    (out[name] ??= { columns: {}, primaryKey: null, foreignKeys: [], indexes: [] });

  for (const r of columns) {
    const name = String(r['table']);
    if (ignore.has(name)) continue;
    table(name).columns[String(r['column'])] = {
      type: String(r['type']),
      nullable: Boolean(r['nullable']),
      default: r['default'] == null ? null : String(r['default']),
    };
  }
  for (const r of constraints) {
    const name = String(r['table']);
    if (ignore.has(name)) continue;
    if (r['kind'] === 'p') {
      table(name).primaryKey = { name: String(r['name']), columns: arr(r['columns']) };
    } else {
      table(name).foreignKeys.push({
        name: String(r['name']),
        columns: arr(r['columns']),
        refTable: String(r['ref_table']),
        refColumns: arr(r['ref_columns']),
        onDelete: ACTION_CODES[String(r['on_delete'])] ?? String(r['on_delete']),
        onUpdate: ACTION_CODES[String(r['on_update'])] ?? String(r['on_update']),
      });
    }
  }
  for (const r of indexes) {
    const name = String(r['table']);
    if (ignore.has(name)) continue;
    table(name).indexes.push({
      name: String(r['name']),
      columns: arr(r['columns']),
      unique: Boolean(r['unique']),
      method: String(r['method']),
    });
  }
  return out;
}

// ─── the diff (pure) ───────────────────────────────────────────────────────────────────────────

const show = (v: unknown) => JSON.stringify(v);
const fkText = (k: ForeignKeyShape) =>
  `${k.name} (${k.columns.join(', ')}) → ${k.refTable}(${k.refColumns.join(', ')}) ON DELETE ${k.onDelete} ON UPDATE ${k.onUpdate}`;
const ixText = (i: IndexShape) => `${i.name} ${i.unique ? 'UNIQUE ' : ''}USING ${i.method} (${i.columns.join(', ')})`;

/**
 * Every difference between the schema.prisma side (`expected`) and the database (`actual`), one
 * human-readable line each, naming the table/column and both sides. Empty = they agree.
 */
export function diffSchemas(expected: SchemaShape, actual: SchemaShape): string[] {
  const problems: string[] = [];
  for (const table of Object.keys(expected).sort()) {
    const e = expected[table]!;
    const a = actual[table];
    if (!a) {
      problems.push(`table ${table}: declared in schema.prisma, missing from the database`);
      continue;
    }
    for (const col of Object.keys(e.columns)) {
      const ec = e.columns[col]!;
      const ac = a.columns[col];
      if (!ac) {
        problems.push(`column ${table}.${col}: declared in schema.prisma (${ec.type}), missing from the database`);
        continue;
      }
      if (ec.type !== ac.type) problems.push(`column ${table}.${col}: type schema.prisma=${ec.type} database=${ac.type}`);
      if (ec.nullable !== ac.nullable) {
        const word = (n: boolean) => (n ? 'NULL' : 'NOT NULL');
        problems.push(`column ${table}.${col}: nullability schema.prisma=${word(ec.nullable)} database=${word(ac.nullable)}`);
      }
      if (ec.default !== ac.default) {
        problems.push(`column ${table}.${col}: default schema.prisma=${show(ec.default)} database=${show(ac.default)}`);
      }
    }
    for (const col of Object.keys(a.columns)) {
      if (!e.columns[col]) problems.push(`column ${table}.${col}: in the database (${a.columns[col]!.type}), not in schema.prisma`);
    }
    if (show(e.primaryKey) !== show(a.primaryKey)) {
      const pk = (p: TableShape['primaryKey']) => (p ? `${p.name} (${p.columns.join(', ')})` : 'none');
      problems.push(`table ${table}: primary key schema.prisma=${pk(e.primaryKey)} database=${pk(a.primaryKey)}`);
    }
    const fks = (list: ForeignKeyShape[]) => new Map(list.map((k) => [fkText(k), k]));
    const [efk, afk] = [fks(e.foreignKeys), fks(a.foreignKeys)];
    for (const [text] of efk) if (!afk.has(text)) problems.push(`table ${table}: foreign key in schema.prisma, not in the database: ${text}${nearest(text, [...afk.keys()])}`);
    for (const [text] of afk) if (!efk.has(text)) problems.push(`table ${table}: foreign key in the database, not in schema.prisma: ${text}`);
    const ixs = (list: IndexShape[]) => new Set(list.map(ixText));
    const [eix, aix] = [ixs(e.indexes), ixs(a.indexes)];
    for (const text of eix) if (!aix.has(text)) problems.push(`table ${table}: index in schema.prisma, not in the database: ${text}${nearest(text, [...aix])}`);
    for (const text of aix) if (!eix.has(text)) problems.push(`table ${table}: index in the database, not in schema.prisma: ${text}`);
  }
  for (const table of Object.keys(actual).sort()) {
    if (!expected[table]) problems.push(`table ${table}: in the database, no model in schema.prisma maps to it`);
  }
  return problems;
}

/** Points at the database object with the same name, so "both sides" are in one message. */
function nearest(text: string, candidates: string[]): string {
  const name = text.split(' ')[0];
  const same = candidates.find((c) => c.split(' ')[0] === name);
  return same ? ` (database has: ${same})` : '';
}
