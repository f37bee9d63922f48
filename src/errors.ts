// Typed errors shared by every layer. Each kind carries the context an operator needs to act;
// layer-specific errors (remote, reconcile) extend RongsyncError in their own folders.

export class RongsyncError extends Error {
  /** Stable machine-readable kind, e.g. `config_invalid`. */
  readonly kind: string;

  constructor(kind: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.kind = kind;
  }
}

/** A configuration value (environment variable or CLI flag) is missing or malformed. */
export class ConfigError extends RongsyncError {
  /** Every problem found, one line each (`VAR: problem (e.g. VAR=good)`). */
  readonly problems: string[];

  constructor(problems: string[]) {
    super('config_invalid', `invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.problems = problems;
  }
}

/** A migration could not be applied; the database was left as before that migration. */
export class MigrationError extends RongsyncError {
  readonly migration: string | undefined;

  constructor(message: string, migration?: string, options?: { cause?: unknown }) {
    super('migration_failed', message, options);
    this.migration = migration;
  }
}

/** Turns anything thrown into an Error without losing it (graphile-worker's coerceError). */
export function toError(value: unknown): Error {
  if (value instanceof Error) return value;
  return new Error(typeof value === 'string' ? value : JSON.stringify(value));
}
