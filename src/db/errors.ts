// Database failures an operator can act on, as typed errors whose message says what is wrong and
// the fix in one or two lines. Every path by which a driver error reaches rongsync — the Prisma
// client (src/db/client.ts), the dedicated sessions (openSession), the migration applier — passes it
// through `translateDatabaseError`, so the rest of the code and the CLI only ever see these.
//
// The server is named by host:port and database only: a DATABASE_URL can carry a password, so the
// URL itself is never part of a message.
import { RongsyncError } from '../errors.js';

/** Where rongsync connects, without the password. */
export interface DatabaseTarget {
  host: string;
  port: number;
  database: string;
  user: string;
}

/** host, port, database and user of a postgres:// URL (defaults as libpq applies them). */
export function databaseTarget(databaseUrl: string): DatabaseTarget {
  let u: URL;
  try {
    u = new URL(databaseUrl);
  } catch {
    return { host: 'localhost', port: 5432, database: 'postgres', user: 'postgres' };
  }
  // `?host=/run/postgresql` selects a Unix socket directory (libpq / pg accept it).
  const host = u.searchParams.get('host') ?? (decodeURIComponent(u.hostname) || 'localhost');
  const port = Number(u.searchParams.get('port') ?? u.port) || 5432;
  const user = decodeURIComponent(u.username) || 'postgres';
  const database = decodeURIComponent(u.pathname.replace(/^\//, '')) || user;
  return { host, port, database, user };
}

function serverOf(t: DatabaseTarget): string {
  return `${t.host}:${t.port}`;
}

/** Base of the database errors; `transient` = worth retrying as is (the server may come back). */
export abstract class DatabaseError extends RongsyncError {
  readonly target: DatabaseTarget;
  abstract readonly transient: boolean;

  constructor(kind: string, target: DatabaseTarget, message: string, options?: { cause?: unknown }) {
    super(kind, message, options);
    this.target = target;
  }
}

/** No server answers at host:port (refused, unknown host, timed out, starting up or shutting down). */
export class DatabaseUnreachableError extends DatabaseError {
  readonly transient = true;
  readonly reason: string;

  constructor(target: DatabaseTarget, reason: string, options?: { cause?: unknown }) {
    super(
      'db_unreachable',
      target,
      `cannot reach the database server at ${serverOf(target)} (${reason}). Is Postgres running there? Check the host and port in DATABASE_URL.`,
      options,
    );
    this.reason = reason;
  }
}

/** A session rongsync held was ended by the server or the network (restart, failover, terminate). */
export class DatabaseConnectionLostError extends DatabaseError {
  readonly transient = true;

  constructor(target: DatabaseTarget, reason: string, options?: { cause?: unknown }) {
    super('db_connection_lost', target, `lost the database connection to ${serverOf(target)} (${reason})`, options);
  }
}

export class DatabaseMissingError extends DatabaseError {
  readonly transient = false;

  constructor(target: DatabaseTarget, options?: { cause?: unknown }) {
    super(
      'db_missing',
      target,
      `database "${target.database}" does not exist on ${serverOf(target)}. Create it with \`createdb ${target.database}\`, then run \`rongsync migrate\`.`,
      options,
    );
  }
}

/** The server refused the login (wrong password, unknown role, no pg_hba.conf entry). */
class DatabaseAuthError extends DatabaseError {
  readonly transient = false;

  constructor(target: DatabaseTarget, reason: string, options?: { cause?: unknown }) {
    super(
      'db_auth_failed',
      target,
      `the database server at ${serverOf(target)} refused the login of role "${target.user}" (${reason}). Check the user and password in DATABASE_URL.`,
      options,
    );
  }
}

/** rongsync's tables (or a column a newer migration adds) are missing. */
export class SchemaNotMigratedError extends DatabaseError {
  readonly transient = false;

  constructor(target: DatabaseTarget, what: string, options?: { cause?: unknown }) {
    super('db_not_migrated', target, `database "${target.database}" is not migrated (${what}). Run \`rongsync migrate\`.`, options);
  }
}

export class PendingMigrationsError extends DatabaseError {
  readonly transient = false;
  readonly pending: string[];

  constructor(target: DatabaseTarget, pending: string[]) {
    super(
      'db_migrations_pending',
      target,
      `database "${target.database}" is missing ${pending.length} migration(s): ${pending.join(', ')}. Run \`rongsync migrate\`.`,
    );
    this.pending = pending;
  }
}

/** A migration failed earlier and was never resolved; Prisma's bookkeeping refuses to go on. */
export class FailedMigrationError extends DatabaseError {
  readonly transient = false;
  readonly migration: string;

  constructor(target: DatabaseTarget, migration: string) {
    super(
      'db_migration_failed',
      target,
      `migration ${migration} failed and was not resolved (\`rongsync migrate status\` shows its log). ` +
        `Fix the cause, then run \`rongsync migrate resolve --rolled-back ${migration}\` and \`rongsync migrate\`.`,
    );
    this.migration = migration;
  }
}

/** The role may not use an object rongsync needs; `grant` is the statement that fixes it. */
class DatabasePermissionError extends DatabaseError {
  readonly transient = false;
  readonly object: string;
  readonly grant: string;

  constructor(target: DatabaseTarget, objectType: string, object: string, options?: { cause?: unknown }) {
    const grant = grantFor(objectType, object, target.user);
    super(
      'db_permission_denied',
      target,
      `role "${target.user}" has no permission on ${objectType} ${object}. Grant it (as the owner): ${grant} — or run rongsync as the role that ran \`rongsync migrate\`.`,
      options,
    );
    this.object = object;
    this.grant = grant;
  }
}

function quoteIdent(s: string): string {
  return `"${s.replaceAll('"', '""')}"`;
}

function grantFor(objectType: string, object: string, role: string): string {
  const r = quoteIdent(role);
  switch (objectType) {
    case 'schema':
      return `GRANT USAGE ON SCHEMA ${object} TO ${r};`;
    case 'sequence':
      return `GRANT USAGE, SELECT ON SEQUENCE ${object} TO ${r};`;
    case 'function':
      return `GRANT EXECUTE ON FUNCTION ${object} TO ${r};`;
    default: {
      const bare = object.replace(/^.*\./, '');
      // The app's tables and the migration history are only read outside `rongsync migrate`.
      const readOnly = ['groups', 'group_members', '_prisma_migrations', '"_prisma_migrations"'].includes(bare);
      const privileges = readOnly ? 'SELECT' : 'SELECT, INSERT, UPDATE, DELETE';
      return `GRANT ${privileges} ON ${object} TO ${r};`;
    }
  }
}

/** Socket-level failures while connecting (Node's codes). */
const UNREACHABLE_CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'unknown host',
  EAI_AGAIN: 'host name lookup failed',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
};
/** Socket-level failures of a session that was open. */
const LOST_CODES: Record<string, string> = {
  ECONNRESET: 'connection reset',
  EPIPE: 'connection closed',
};

/** pg's own messages for a session that ended under it (they carry no code). */
const LOST_MESSAGES = [
  /Connection terminated/i,
  /is not queryable/i,
  /Client was closed and is not queryable/i,
  /Query read timeout/i,
  /timeout exceeded when trying to connect/i,
];

interface ErrorFields {
  code?: unknown;
  severity?: unknown;
  message?: unknown;
  errors?: unknown;
}

/** The fields of the first error in a Prisma → driver adapter → pg chain that has them. */
function driverCause(e: unknown): { code?: string; message: string; kind?: string; extra: Record<string, unknown> } | undefined {
  if (typeof e !== 'object' || e === null) return undefined;
  const meta = (e as { meta?: { driverAdapterError?: { cause?: Record<string, unknown> } } }).meta;
  const adapter = meta?.driverAdapterError?.cause ?? ((e as { name?: unknown }).name === 'DriverAdapterError' ? (e as { cause?: Record<string, unknown> }).cause : undefined);
  if (adapter && typeof adapter === 'object') {
    const code = typeof adapter['originalCode'] === 'string' ? adapter['originalCode'] : typeof adapter['code'] === 'string' ? adapter['code'] : undefined;
    const message = typeof adapter['originalMessage'] === 'string' ? adapter['originalMessage'] : typeof adapter['message'] === 'string' ? adapter['message'] : String(adapter['kind'] ?? '');
    return { ...(code !== undefined ? { code } : {}), message, kind: String(adapter['kind'] ?? ''), extra: adapter };
  }
  const f = e as ErrorFields;
  const message = typeof f.message === 'string' ? f.message : '';
  // Node reports a refused connection to a host with several addresses as an AggregateError.
  if (typeof f.code !== 'string' && Array.isArray(f.errors) && f.errors.length > 0) return driverCause(f.errors[0]);
  return { ...(typeof f.code === 'string' ? { code: f.code } : {}), message, extra: {} };
}

/**
 * The typed error for a driver error (pg, Prisma's driver adapter, a socket error), or the value
 * unchanged when it is not one rongsync can explain (a constraint violation, a bug).
 */
export function translateDatabaseError(e: unknown, target: DatabaseTarget): unknown {
  if (e instanceof RongsyncError) return e;
  const c = driverCause(e);
  if (!c) return e;
  const opts = { cause: e };

  switch (c.kind) {
    case 'DatabaseNotReachable':
      return new DatabaseUnreachableError(target, 'connection refused', opts);
    case 'ConnectionClosed':
      return new DatabaseConnectionLostError(target, 'connection reset', opts);
    case 'SocketTimeout':
      return new DatabaseConnectionLostError(target, 'socket timed out', opts);
  }

  const code = c.code;
  if (code !== undefined) {
    if (UNREACHABLE_CODES[code]) return new DatabaseUnreachableError(target, UNREACHABLE_CODES[code]!, opts);
    if (LOST_CODES[code]) return new DatabaseConnectionLostError(target, LOST_CODES[code]!, opts);
    switch (code) {
      case '3D000':
        return new DatabaseMissingError(target, opts);
      case '28P01':
        return new DatabaseAuthError(target, 'password authentication failed', opts);
      case '28000':
        return new DatabaseAuthError(target, c.message, opts);
      case '42P01':
        return new SchemaNotMigratedError(target, c.message, opts);
      case '42703':
        return new SchemaNotMigratedError(target, c.message, opts);
      case '42883':
        // An undefined function: one of rongsync's (a migration adds it) — not the app's.
        if (/rongsync_/.test(c.message)) return new SchemaNotMigratedError(target, c.message, opts);
        return e;
      case '42501': {
        const m = /permission denied for (table|relation|sequence|schema|function|view) (\S+)/i.exec(c.message);
        if (m) return new DatabasePermissionError(target, m[1]!.toLowerCase() === 'relation' ? 'table' : m[1]!.toLowerCase(), m[2]!, opts);
        return e;
      }
      case '57P01': // admin_shutdown: pg_terminate_backend, a fast or immediate shutdown
      case '57P02': // crash_shutdown
      case '57P05': // idle_session_timeout
      case '08006': // connection_failure
      case '08003': // connection_does_not_exist
        return new DatabaseConnectionLostError(target, c.message, opts);
      case '57P03': // cannot_connect_now: starting up, shutting down, in recovery
      case '53300': // too_many_connections
        return new DatabaseUnreachableError(target, c.message, opts);
    }
    if (code.startsWith('08')) return new DatabaseConnectionLostError(target, c.message, opts);
  }
  if (LOST_MESSAGES.some((re) => re.test(c.message))) return new DatabaseConnectionLostError(target, c.message, opts);
  return e;
}

/** True when `e` (translated or not) says the server went away rather than refused the work. */
export function isDatabaseUnavailable(e: unknown, target?: DatabaseTarget): boolean {
  const t = translateDatabaseError(e, target ?? { host: '', port: 0, database: '', user: '' });
  return t instanceof DatabaseUnreachableError || t instanceof DatabaseConnectionLostError;
}
