// The one place that knows every environment variable rongsync reads: its name, type, default,
// an example of a good value, and what it does. `loadConfig` (load.ts) turns the environment into
// a typed Config once at start-up; nothing else reads process.env. `.env.example` and the README's
// configuration table are checked against this list by test/config/config.test.ts.
import cron from 'node-cron';
import { z } from 'zod';
import { LOG_FORMATS, LOG_LEVELS } from '../log/setup.js';

/** `maxWhy`, when given, says in the error message why the maximum is what it is. */
const int = (min: number, max = Number.MAX_SAFE_INTEGER, maxWhy?: string) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, 'expected a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min, `must be at least ${min}`).max(max, `must be at most ${max}${maxWhy ? ` (${maxWhy})` : ''}`));

const ratio = z
  .string()
  .trim()
  .regex(/^(0(\.\d+)?|1(\.0+)?)$/, 'expected a number between 0 and 1')
  .transform(Number);

const bool = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'expected true or false' }))
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const postgresUrl = z
  .string()
  .trim()
  .refine((v) => {
    try {
      return ['postgres:', 'postgresql:'].includes(new URL(v).protocol);
    } catch {
      return false;
    }
  }, 'expected a postgres:// or postgresql:// URL');

// A base URL is a prefix: the client appends `/group/sync.json` etc. to it, so a query string or
// fragment would swallow the path. Credentials (user:password@) are refused so that a secret never
// sits in a variable that is echoed in errors and logs. The checks read the raw text, not just the
// parsed URL: `new URL` drops an empty query/fragment (`https://h?`) or userinfo (`https://@h`).
const hasCredentials = (v: string) => /^[^:]*:[/\\]*[^/\\?#]*@/.test(v);

const httpUrlList = z
  .string()
  .trim()
  .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean))
  .pipe(
    z
      .array(
        z
          .string()
          .refine((v) => {
            try {
              return ['http:', 'https:'].includes(new URL(v).protocol);
            } catch {
              return false;
            }
          }, 'every entry must be an http:// or https:// URL')
          .refine((v) => !v.includes('?'), 'a base URL must not have a query string (?…); a path prefix is fine')
          .refine((v) => !v.includes('#'), 'a base URL must not have a fragment (#…)')
          .refine((v) => !hasCredentials(v), 'a base URL must not contain credentials (user:password@)'),
      )
      .min(1, 'expected at least one URL'),
  )
  .transform((urls) => urls.map((u) => u.replace(/\/+$/, '')));

/**
 * A URL list as shown in an error message: each entry as scheme, host and port only. A path,
 * query or fragment can hold a token pasted by mistake, and user:password@ is a credential, so
 * neither is ever echoed: credentials show as `***@`, anything after the host as `/…`, and text
 * that does not look like a host at all as `…` (a libpq "host=… password=…" string pasted into
 * DATABASE_URL is not echoed either). Credentials are cut first, on the whole value: everything
 * before the last `@` (after the first `scheme://`) goes, even from a URL too broken to parse or a
 * password holding `,` `/` or `@`. May hide more than the secret; never less.
 */
function showOrigins(value: string): string {
  const noCredentials = value.replace(/^([a-z][a-z0-9+.-]*:\/\/)?.*@/is, '$1***@');
  return noCredentials
    .split(',')
    .map((entry) => originOf(entry.trim()))
    .join(',');
}

function originOf(entry: string): string {
  const [, scheme = '', credentials = '', authority = '', rest = ''] = /^([a-z][a-z0-9+.-]*:(?:[/\\]{2})?)?(\*\*\*@)?([^/?#\\]*)([\s\S]*)$/i.exec(entry)!;
  const hostLike = /^(\[[0-9a-f:.]*\]|[\p{L}\p{N}._~-]*)(:\d*)?$/iu.test(authority);
  return `${scheme}${credentials}${hostLike ? authority : '…'}${rest !== '' && rest !== '/' ? '/…' : ''}`;
}

const regex = z
  .string()
  .transform((v, ctx) => {
    if (v === '') return undefined;
    try {
      return new RegExp(v);
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: `not a valid regular expression (${(e as Error).message})` });
      return z.NEVER;
    }
  });

const cronExpr = z
  .string()
  .trim()
  .refine((v) => cron.validate(v), 'expected a cron expression of 5 or 6 fields (node-cron syntax)');

const nonEmpty = z.string().trim().min(1, 'must not be empty');

/** RongCloud's cap on group id, group name and user id length (its current API docs: 64 each). */
export const RONGCLOUD_ID_CAP = 64;

export interface EnvVar {
  name: string;
  schema: z.ZodType<unknown, string>;
  /** Used when the variable is unset or empty; undefined = required (or optional when `optional`). */
  default?: string;
  optional?: boolean;
  /** A good value, shown in error messages. */
  example: string;
  /** Never echo the value (error messages, logs). */
  secret?: boolean;
  /** The value as error messages show it, with sensitive parts removed (for non-secret values). */
  redact?: (value: string) => string;
  doc: string;
}

/** Every variable rongsync reads, in the order `.env.example` lists them. */
export const ENV_VARS = [
  { name: 'DATABASE_URL', schema: postgresUrl, redact: showOrigins, example: 'postgres://rongsync@127.0.0.1:5432/app', doc: 'Postgres holding the app tables (groups, group_members) and rongsync_* tables. Unset, `rongsync start` (npm start) runs an embedded PostgreSQL instead.' },
  { name: 'RONGCLOUD_APP_KEY', schema: nonEmpty, optional: true, example: 'k51hidwq1fb4', doc: 'RongCloud app key. Required by commands that call RongCloud.' },
  { name: 'RONGCLOUD_APP_SECRET', schema: nonEmpty, optional: true, secret: true, example: '<your app secret>', doc: 'RongCloud app secret; used only to sign requests, never logged.' },
  { name: 'RONGCLOUD_API_URL', schema: httpUrlList, redact: showOrigins, default: 'https://api.rong-api.com,https://api-b.rong-api.com', example: 'https://api.rong-api.com,https://api-b.rong-api.com', doc: 'One or more base URLs, comma-separated, in failover order. A path prefix is allowed; a query string, fragment or user:password@ is not.' },
  { name: 'RONGCLOUD_RATE_LIMIT', schema: int(1, 100_000), default: '100', example: '100', doc: 'Calls per second across the whole process (RongCloud allows 100/s); at most this many start in any 1.05 s, so jitter never crosses the limit.' },
  { name: 'RONGCLOUD_CONCURRENCY', schema: int(1, 1000), default: '16', example: '16', doc: 'Remote calls in flight at once.' },
  { name: 'RONGCLOUD_TIMEOUT_MS', schema: int(100, 600_000), default: '10000', example: '10000', doc: 'Timeout of one HTTP attempt, in milliseconds.' },
  { name: 'RONGCLOUD_MAX_RETRIES', schema: int(0, 20), default: '5', example: '5', doc: 'Retries of a transient failure (network, timeout, 5xx, 1000/1050, rate limit).' },
  { name: 'RONGCLOUD_GROUP_ID_MAX', schema: int(1, RONGCLOUD_ID_CAP, "RongCloud's own limit"), default: '30', example: '30', doc: 'Longest group id accepted, in UTF-16 code units (an emoji counts 2); at most 64, the cap in RongCloud\'s current API docs (the seed SDK docs say 30).' },
  { name: 'RONGCLOUD_GROUP_NAME_MAX', schema: int(1, RONGCLOUD_ID_CAP, "RongCloud's own limit"), default: '60', example: '60', doc: 'Longest group name accepted, in UTF-16 code units; at most 64, the cap in RongCloud\'s current API docs (the seed SDK docs say 60).' },
  { name: 'RONGCLOUD_USER_ID_MAX', schema: int(1, RONGCLOUD_ID_CAP, "RongCloud's own limit"), default: '64', example: '64', doc: 'Longest user id accepted, in UTF-8 bytes; at most 64, the cap in RongCloud\'s current API docs. RONGSYNC_DISMISS_OPERATOR must fit it.' },
  { name: 'RONGCLOUD_MAX_MEMBERS_PER_GROUP', schema: int(1, 1_000_000), default: '3000', example: '3000', doc: 'Members one group may have (3000; raisable by ticket).' },
  { name: 'RONGCLOUD_MAX_GROUPS_PER_USER', schema: int(1, 1_000_000), default: '500', example: '500', doc: 'Groups one user may be in (seed docs: 500).' },
  { name: 'RONGSYNC_CRON', schema: cronExpr, default: '*/5 * * * *', example: '*/5 * * * *', doc: 'Schedule of the full drain + verification run (node-cron syntax).' },
  { name: 'RONGSYNC_DEBOUNCE_MS', schema: int(0, 60_000), default: '50', example: '50', doc: 'Changes that arrive while a run is in flight are coalesced for this long into the next run; the first change after a quiet moment runs at once.' },
  { name: 'RONGSYNC_VERIFY_PERIOD_HOURS', schema: int(1, 24 * 365), default: '24', example: '24', doc: 'Every group is re-read from RongCloud at least once per this period.' },
  { name: 'RONGSYNC_DISMISS_OPERATOR', schema: nonEmpty, default: 'rongsync', example: 'admin', doc: 'Operator user id for dismiss when a group row has no owner_id; at most RONGCLOUD_USER_ID_MAX bytes.' },
  { name: 'RONGSYNC_MAX_DELETES', schema: int(0), default: '1000', example: '1000', doc: 'A run that would kick or dismiss more than this many members/groups needs approval.' },
  { name: 'RONGSYNC_MAX_DELETE_SHARE', schema: ratio, default: '0.25', example: '0.25', doc: 'Same guard as a share of the remote memberships a run looks at (0..1).' },
  { name: 'RONGSYNC_ALLOW_DELETES', schema: bool, default: 'false', example: 'false', doc: 'Standing approval for runs over the deletion guard (like --allow-deletes).' },
  { name: 'RONGSYNC_IGNORE_USERS', schema: regex, default: '', example: '^(admin|bot_).*', doc: 'Regex of remote user ids rongsync never kicks (members the app does not manage).' },
  { name: 'RONGSYNC_SYNC_CALLS', schema: bool, default: 'true', example: 'true', doc: 'Allow per-user `sync` calls (they replace a user\'s whole remote group list). Turn off if RongCloud holds groups for your users that are not in the groups table.' },
  { name: 'RONGSYNC_QUARANTINE_AFTER', schema: int(1, 1000), default: '5', example: '5', doc: 'Consecutive failed runs after which a group is quarantined.' },
  { name: 'RONGSYNC_RETENTION_DAYS', schema: int(0, 3650), default: '14', example: '14', doc: 'Runs, drift items and remote-call log rows older than this many days are deleted after each cron run (0 = keep forever; the newest run is always kept).' },
  { name: 'RONGSYNC_MODE', schema: z.enum(['apply', 'detect'], { error: 'expected apply or detect' }), default: 'apply', example: 'apply', doc: 'apply = converge RongCloud; detect = observe and report only.' },
  { name: 'RONGSYNC_HTTP_HOST', schema: nonEmpty, default: '127.0.0.1', example: '0.0.0.0', doc: 'Address the HTTP server of `serve` listens on (health, metrics, console, JSON API). 0.0.0.0 to be reachable from other hosts (the Docker image sets it).' },
  { name: 'RONGSYNC_HTTP_PORT', schema: int(0, 65_535), default: '9300', example: '9300', doc: 'Port of that HTTP server; 0 turns it off.' },
  { name: 'RONGSYNC_ADMIN_TOKEN', schema: z.string().trim().min(16, 'must be at least 16 characters'), optional: true, secret: true, example: '<a long random string>', doc: 'Bearer token (or console login) for the web console and the JSON API. Unset: they are refused (health and metrics stay open).' },
  { name: 'RONGSYNC_DATA_DIR', schema: nonEmpty, default: '.data', example: '.data', doc: '`rongsync start` (npm start) without DATABASE_URL: where its embedded PostgreSQL and sandbox emulator keep their data, relative to the working directory. Kept across restarts; delete it to start over.' },
  { name: 'RONGSYNC_SANDBOX_POSTGRES_PORT', schema: int(0, 65_535), default: '54329', example: '54329', doc: '`rongsync start` (npm start) without DATABASE_URL: port of its embedded PostgreSQL, on 127.0.0.1 only; 0 picks a free one.' },
  { name: 'LOG_LEVEL', schema: z.enum(LOG_LEVELS, { error: `expected one of ${LOG_LEVELS.join(', ')}` }), optional: true, example: 'info', doc: 'Log level (pino). Unset: info, except that one-shot commands (plan, apply, report, …) writing human logs to a terminal show only warnings and errors, since their report says the rest.' },
  { name: 'LOG_FORMAT', schema: z.enum(LOG_FORMATS, { error: `expected one of ${LOG_FORMATS.join(', ')}` }), default: 'auto', example: 'json', doc: 'auto = human lines when stderr is a terminal, JSON lines otherwise; json or pretty to choose. Logs always go to stderr.' },
] as const satisfies readonly EnvVar[];
