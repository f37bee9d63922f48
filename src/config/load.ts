// Reads the environment ONCE into a typed, frozen Config (see schema.ts for the variables).
// A bad value fails here, at start-up, naming the variable, the problem and a good example.
import { ConfigError } from '../errors.js';
import type { LogFormat, LogLevel } from '../log/setup.js';
import { terminalSafe } from '../rules/characters.js';
import { describeProblem, userIdProblem } from '../rules/ids.js';
import { ENV_VARS, RONGCLOUD_ID_CAP, type EnvVar } from './schema.js';
import { Secret } from './secret.js';

export interface GroupLimits {
  /** @default 30 */ groupIdMax: number;
  /** @default 60 */ groupNameMax: number;
  /** @default 64 (bytes) */ userIdMax: number;
  /** @default 3000 */ maxMembersPerGroup: number;
  /** @default 500 */ maxGroupsPerUser: number;
  /** User ids per join/quit/create call (fixed by RongCloud). @default 1000 */ maxIdsPerCall: number;
}

export interface RemoteConfig {
  appKey: string | undefined;
  appSecret: Secret | undefined;
  /** Base URLs in failover order, without trailing slash. */
  apiUrls: string[];
  /** @default 100 */ rateLimitPerSecond: number;
  /** @default 16 */ concurrency: number;
  /** @default 10000 */ timeoutMs: number;
  /** @default 5 */ maxRetries: number;
}

interface ReconcileConfig {
  /** @default '*\/5 * * * *' */ cron: string;
  /** @default 50 */ debounceMs: number;
  /** @default 24 */ verifyPeriodHours: number;
  /** @default 'rongsync' */ dismissOperator: string;
  /** @default 1000 */ maxDeletes: number;
  /** @default 0.25 */ maxDeleteShare: number;
  /** @default false */ allowDeletes: boolean;
  /** Remote user ids never kicked. @default none */ ignoreUsers: RegExp | undefined;
  /** Per-user sync calls allowed (rongsync owns every group of its users). @default true */ syncCalls: boolean;
  /** @default 5 */ quarantineAfter: number;
  /** @default 'apply' */ mode: 'apply' | 'detect';
  /** History (runs, drift items, call log) kept this many days; 0 = forever. @default 14 */ retentionDays: number;
}

interface HttpConfig {
  /** @default '127.0.0.1' */ host: string;
  /** 0 = no HTTP server. @default 9300 */ port: number;
  /** Required by the console and the JSON API; unset = they are refused. */ adminToken: Secret | undefined;
}

export interface Config {
  databaseUrl: string;
  remote: RemoteConfig;
  limits: GroupLimits;
  reconcile: ReconcileConfig;
  http: HttpConfig;
  /** LOG_LEVEL; undefined when unset (src/log/setup.ts picks the level then). */
  logLevel: LogLevel | undefined;
  /** @default 'auto' */
  logFormat: LogFormat;
}

type Env = Record<string, string | undefined>;

type VarName = (typeof ENV_VARS)[number]['name'];

/** Parses these variables (each by its ENV_VARS schema): their values, and one line per problem. */
function parseVariables(env: Env, vars: readonly EnvVar[]): { values: Record<string, unknown>; problems: string[] } {
  const values: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const v of vars) {
    const raw = env[v.name];
    const given = raw !== undefined && raw.trim() !== '';
    const input = given ? raw : v.default;
    if (input === undefined) {
      if (!v.optional) problems.push(`${v.name}: is required but not set (e.g. ${v.name}=${v.example})`);
      continue;
    }
    const parsed = v.schema.safeParse(input);
    if (parsed.success) {
      values[v.name] = parsed.data;
    } else {
      const why = [...new Set(parsed.error.issues.map((i) => i.message))].join('; ');
      const shown = v.secret ? '' : ` ${show(v.redact ? v.redact(input) : input)}`;
      problems.push(`${v.name}:${shown} ${why} (e.g. ${v.name}=${v.example})`);
    }
  }
  return { values, problems };
}

/** What `rongsync start` decides before there is a database (and so before loadConfig can run). */
export interface StartConfig {
  /** DATABASE_URL; unset = run the embedded PostgreSQL. */
  databaseUrl: string | undefined;
  /** RONGCLOUD_APP_KEY is set: call it, not the sandbox emulator. */
  hasAppKey: boolean;
  /** RONGSYNC_DATA_DIR, as given (relative to the working directory). @default '.data' */
  dataDir: string;
  /** RONGSYNC_SANDBOX_POSTGRES_PORT; 0 = a free one. @default 54329 */
  postgresPort: number;
}

const START_VARS: readonly VarName[] = ['DATABASE_URL', 'RONGCLOUD_APP_KEY', 'RONGSYNC_DATA_DIR', 'RONGSYNC_SANDBOX_POSTGRES_PORT'];

/**
 * The variables `rongsync start` reads to set up the embedded database and the sandbox, by the
 * same schemas as loadConfig (DATABASE_URL is optional here); the rest is validated by loadConfig
 * once the database URL is known.
 */
export function loadStartConfig(env: Env): StartConfig {
  const vars = (ENV_VARS as readonly EnvVar[]).filter((v) => START_VARS.includes(v.name as VarName)).map((v) => ({ ...v, optional: true }));
  const { values, problems } = parseVariables(env, vars);
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    databaseUrl: values['DATABASE_URL'] as string | undefined,
    hasAppKey: values['RONGCLOUD_APP_KEY'] !== undefined,
    dataDir: values['RONGSYNC_DATA_DIR'] as string,
    postgresPort: values['RONGSYNC_SANDBOX_POSTGRES_PORT'] as number,
  };
}

/** Parses every variable of ENV_VARS; throws one ConfigError listing all problems. */
export function loadConfig(env: Env): Config {
  const { values, problems } = parseVariables(env, ENV_VARS as readonly EnvVar[]);
  const get = <T>(name: VarName) => values[name] as T;

  // Checks across variables, once each one parsed on its own.
  const operator = get<string | undefined>('RONGSYNC_DISMISS_OPERATOR');
  if (operator !== undefined) {
    // The operator is a user id: checked by the rule the planner and the client apply to user ids
    // (src/rules/ids.ts), in UTF-8 bytes. If RONGCLOUD_USER_ID_MAX itself is bad (reported above),
    // RongCloud's cap applies.
    const userIdMax = get<number | undefined>('RONGCLOUD_USER_ID_MAX');
    const limit = userIdMax ?? RONGCLOUD_ID_CAP;
    const p = userIdProblem(operator, limit);
    if (p?.kind === 'too_long') {
      const over = userIdMax === undefined ? `RongCloud's limit of ${limit} bytes` : `RONGCLOUD_USER_ID_MAX=${limit}`;
      const fix = p.length <= RONGCLOUD_ID_CAP ? `use a shorter user id or raise RONGCLOUD_USER_ID_MAX to ${p.length}` : 'use a shorter user id';
      problems.push(`RONGSYNC_DISMISS_OPERATOR: ${show(operator)} is ${p.described}, over ${over}; ${fix} (e.g. RONGSYNC_DISMISS_OPERATOR=admin)`);
    } else if (p) {
      problems.push(`RONGSYNC_DISMISS_OPERATOR: ${show(operator)} ${describeProblem(p)}; RongCloud would refuse it as a user id (e.g. RONGSYNC_DISMISS_OPERATOR=admin)`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const secret = get<string | undefined>('RONGCLOUD_APP_SECRET');
  const token = get<string | undefined>('RONGSYNC_ADMIN_TOKEN');
  return deepFreeze({
    databaseUrl: get<string>('DATABASE_URL'),
    remote: {
      appKey: get<string | undefined>('RONGCLOUD_APP_KEY'),
      appSecret: secret === undefined ? undefined : new Secret(secret),
      apiUrls: get<string[]>('RONGCLOUD_API_URL'),
      rateLimitPerSecond: get<number>('RONGCLOUD_RATE_LIMIT'),
      concurrency: get<number>('RONGCLOUD_CONCURRENCY'),
      timeoutMs: get<number>('RONGCLOUD_TIMEOUT_MS'),
      maxRetries: get<number>('RONGCLOUD_MAX_RETRIES'),
    },
    limits: {
      groupIdMax: get<number>('RONGCLOUD_GROUP_ID_MAX'),
      groupNameMax: get<number>('RONGCLOUD_GROUP_NAME_MAX'),
      userIdMax: get<number>('RONGCLOUD_USER_ID_MAX'),
      maxMembersPerGroup: get<number>('RONGCLOUD_MAX_MEMBERS_PER_GROUP'),
      maxGroupsPerUser: get<number>('RONGCLOUD_MAX_GROUPS_PER_USER'),
      maxIdsPerCall: 1000,
    },
    reconcile: {
      cron: get<string>('RONGSYNC_CRON'),
      debounceMs: get<number>('RONGSYNC_DEBOUNCE_MS'),
      verifyPeriodHours: get<number>('RONGSYNC_VERIFY_PERIOD_HOURS'),
      dismissOperator: get<string>('RONGSYNC_DISMISS_OPERATOR'),
      maxDeletes: get<number>('RONGSYNC_MAX_DELETES'),
      maxDeleteShare: get<number>('RONGSYNC_MAX_DELETE_SHARE'),
      allowDeletes: get<boolean>('RONGSYNC_ALLOW_DELETES'),
      ignoreUsers: get<RegExp | undefined>('RONGSYNC_IGNORE_USERS'),
      syncCalls: get<boolean>('RONGSYNC_SYNC_CALLS'),
      quarantineAfter: get<number>('RONGSYNC_QUARANTINE_AFTER'),
      mode: get<'apply' | 'detect'>('RONGSYNC_MODE'),
      retentionDays: get<number>('RONGSYNC_RETENTION_DAYS'),
    },
    http: {
      host: get<string>('RONGSYNC_HTTP_HOST'),
      port: get<number>('RONGSYNC_HTTP_PORT'),
      adminToken: token === undefined ? undefined : new Secret(token),
    },
    logLevel: get<LogLevel | undefined>('LOG_LEVEL'),
    logFormat: get<LogFormat>('LOG_FORMAT'),
  });
}

/** The remote credentials, or a ConfigError naming what is missing (for commands that call out). */
export function requireCredentials(remote: RemoteConfig): { appKey: string; appSecret: Secret } {
  const problems: string[] = [];
  if (!remote.appKey) problems.push('RONGCLOUD_APP_KEY: is required to call RongCloud (e.g. RONGCLOUD_APP_KEY=k51hidwq1fb4)');
  if (!remote.appSecret) problems.push('RONGCLOUD_APP_SECRET: is required to call RongCloud (set it to your app secret)');
  if (problems.length > 0) throw new ConfigError(problems);
  return { appKey: remote.appKey!, appSecret: remote.appSecret! };
}

/** A value quoted for an error message, with control and bidi characters escaped. */
function show(value: string): string {
  return terminalSafe(JSON.stringify(value));
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !(value instanceof RegExp) && !(value instanceof Secret)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
