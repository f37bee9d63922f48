// GroupClient: the one way rongsync talks to RongCloud's group endpoints. The nine methods of the
// SDK-level interface (seed docs) plus userGroups; each validates its input against GroupLimits
// (RemoteValidationError, before any request), maps to the wire (see
// shared/reference/rongcloud-group-api.md), and goes through Transport for signing, retries,
// failover and the shared rate limiter. Id lists are cut into calls of at most 1000 ids and
// MAX_BODY_BYTES each (batch.ts); a sync whose body would be larger is refused before sending.
import type { Config, GroupLimits } from '../config/load.js';
import { requireCredentials } from '../config/load.js';
import type { Secret } from '../config/secret.js';
import { MAX_BODY_BYTES, runBatches, splitBatches, syncBodyBytes, syncPairs, type BatchShape } from './batch.js';
import { RemoteValidationError } from './errors.js';
import { RateLimiter } from './rate-limiter.js';
import { groupMembersSchema, inputSchemas, okSchema, userGroupsSchema, validateInput, type InputSchemas } from './schemas.js';
import { Transport, type AttemptEvent } from './transport.js';

export type { AttemptEvent } from './transport.js';

export interface GroupClientOptions {
  appKey: string;
  appSecret: Secret;
  /** Base URLs in failover order. */
  apiUrls: string[];
  /** Per HTTP attempt. @default 10000 */
  timeoutMs?: number;
  /** Retries of a transient failure after the first attempt. @default 5 */
  maxRetries?: number;
  /** Rate of the limiter this client creates (ignored when `limiter` is given). @default 100 */
  rateLimitPerSecond?: number;
  /** Calls in flight of the limiter this client creates (ignored when `limiter` is given). @default 16 */
  concurrency?: number;
  limits: GroupLimits;
  /**
   * Called once per HTTP attempt, synchronously, after the answer (the reconciler writes these to
   * its call log). An exception thrown here propagates to the caller of the method.
   */
  onAttempt?: (e: AttemptEvent) => void;
  /** A limiter shared with other clients of the process. @default one per client */
  limiter?: RateLimiter;
  /** First backoff ceiling in ms (full jitter, doubling). @default 200 */
  retryBaseMs?: number;
  /** Largest backoff ceiling in ms. @default 10000 */
  retryMaxMs?: number;
  /** After failing over, how long until one call tries the first base URL again. @default 60000 */
  failbackMs?: number;
  /** The fetch used under ky. @default globalThis.fetch */
  fetch?: typeof globalThis.fetch;
}

/** The path of each RongCloud endpoint the client calls. */
export const ENDPOINTS = {
  sync: '/group/sync.json',
  create: '/group/create.json',
  join: '/group/join.json',
  quit: '/group/quit.json',
  dismiss: '/group/dismiss.json',
  refresh: '/group/refresh.json',
  members: '/group/user/query.json',
  userGroups: '/user/group/query.json',
} as const;
const P = ENDPOINTS;

export class GroupClient {
  readonly limiter: RateLimiter;
  readonly #ownsLimiter: boolean;
  readonly #transport: Transport;
  readonly #in: InputSchemas;
  readonly #maxIds: number;

  constructor(options: GroupClientOptions) {
    this.#ownsLimiter = options.limiter === undefined;
    this.limiter =
      options.limiter ?? new RateLimiter({ ratePerSecond: options.rateLimitPerSecond ?? 100, concurrency: options.concurrency ?? 16 });
    this.#in = inputSchemas(options.limits);
    this.#maxIds = options.limits.maxIdsPerCall;
    this.#transport = new Transport({
      appKey: options.appKey,
      appSecret: options.appSecret,
      apiUrls: options.apiUrls,
      limiter: this.limiter,
      onAttempt: options.onAttempt,
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      ...(options.maxRetries !== undefined ? { maxRetries: options.maxRetries } : {}),
      ...(options.retryBaseMs !== undefined ? { retryBaseMs: options.retryBaseMs } : {}),
      ...(options.retryMaxMs !== undefined ? { retryMaxMs: options.retryMaxMs } : {}),
      ...(options.failbackMs !== undefined ? { failbackMs: options.failbackMs } : {}),
      ...(options.fetch !== undefined ? { fetch: options.fetch } : {}),
    });
  }

  /** A client from the loaded Config; throws ConfigError when the credentials are missing. */
  static fromConfig(config: Config, extra: Partial<GroupClientOptions> = {}): GroupClient {
    const { appKey, appSecret } = requireCredentials(config.remote);
    return new GroupClient({
      appKey,
      appSecret,
      apiUrls: [...config.remote.apiUrls],
      timeoutMs: config.remote.timeoutMs,
      maxRetries: config.remote.maxRetries,
      rateLimitPerSecond: config.remote.rateLimitPerSecond,
      concurrency: config.remote.concurrency,
      limits: config.limits,
      ...extra,
    });
  }

  /** The base URL calls currently start on (the last one that answered). */
  get preferredHost(): string {
    return this.#transport.preferredHost;
  }

  /**
   * Replaces the user's whole group set (an empty list removes every binding). One call that
   * cannot be split: when its body would exceed MAX_BODY_BYTES it throws RemoteValidationError
   * and sends nothing (see fitsSyncBody).
   */
  async sync(user: { id: string; groups: { id: string; name: string }[] }): Promise<void> {
    const ctx = { endpoint: P.sync, userId: user?.id };
    const u = validateInput(this.#in.sync, user, ctx);
    const bytes = syncBodyBytes(u);
    if (bytes > MAX_BODY_BYTES) {
      throw new RemoteValidationError({
        ...ctx,
        field: 'groups',
        limit: MAX_BODY_BYTES,
        length: bytes,
        problem:
          `(${u.groups.length} groups) make a ${bytes}-byte request body, over the request body limit of ${MAX_BODY_BYTES} bytes ` +
          `(RongCloud: under 100 KB, code 1508); a sync carries the user's whole group list and cannot be split: shorten the group names or ids, ` +
          `or set RONGSYNC_SYNC_CALLS=false so the reconciler uses per-group calls`,
      });
    }
    await this.#transport.post(P.sync, new URLSearchParams(syncPairs(u)), okSchema, { userId: u.id });
  }

  /**
   * Creates the group with its members. When the ids need several calls (over 1000 ids, or a
   * body over MAX_BODY_BYTES): create with the first batch, then join the rest.
   */
  async create(group: { id: string; name: string; memberIds: string[] }): Promise<void> {
    const ctx = { endpoint: P.create, groupId: group?.id };
    const g = validateInput(this.#in.create, group, ctx);
    const rest: [string, string][] = [['groupId', g.id], ['groupName', g.name]];
    await runBatches(g.memberIds, splitBatches(g.memberIds, this.#shape(rest), ctx), async (ids, i) => {
      const endpoint = i === 0 ? P.create : P.join;
      await this.#transport.post(endpoint, members(ids, rest), okSchema, { groupId: g.id });
    });
  }

  /** Adds members (`/group/join.json`), at most 1000 ids and MAX_BODY_BYTES per call. */
  async invite(group: { id: string; memberIds: string[]; name?: string }): Promise<void> {
    const ctx = { endpoint: P.join, groupId: group?.id };
    const g = validateInput(this.#in.invite, group, ctx);
    const rest = withName(g.id, g.name);
    await runBatches(g.memberIds, splitBatches(g.memberIds, this.#shape(rest), ctx), async (ids) => {
      await this.#transport.post(P.join, members(ids, rest), okSchema, { groupId: g.id });
    });
  }

  async join(group: { id: string; memberId: string; name?: string }): Promise<void> {
    const g = validateInput(this.#in.join, group, { endpoint: P.join, groupId: group?.id });
    await this.#transport.post(P.join, members([g.memberId], withName(g.id, g.name)), okSchema, { groupId: g.id, userId: g.memberId });
  }

  async quit(group: { id: string; memberId: string }): Promise<void> {
    const g = validateInput(this.#in.quit, group, { endpoint: P.quit, groupId: group?.id });
    await this.#transport.post(P.quit, members([g.memberId], [['groupId', g.id]]), okSchema, { groupId: g.id, userId: g.memberId });
  }

  /** Removes members (`/group/quit.json`), at most 1000 ids and MAX_BODY_BYTES per call. */
  async kick(group: { id: string; memberIds: string[] }): Promise<void> {
    const ctx = { endpoint: P.quit, groupId: group?.id };
    const g = validateInput(this.#in.kick, group, ctx);
    const rest: [string, string][] = [['groupId', g.id]];
    await runBatches(g.memberIds, splitBatches(g.memberIds, this.#shape(rest), ctx), async (ids) => {
      await this.#transport.post(P.quit, members(ids, rest), okSchema, { groupId: g.id });
    });
  }

  async dismiss(params: { id: string; operator: string }): Promise<void> {
    const p = validateInput(this.#in.dismiss, params, { endpoint: P.dismiss, groupId: params?.id });
    const body = new URLSearchParams([
      ['userId', p.operator],
      ['groupId', p.id],
    ]);
    await this.#transport.post(P.dismiss, body, okSchema, { groupId: p.id });
  }

  /** Renames the group. */
  async refresh(group: { id: string; name: string }): Promise<void> {
    const g = validateInput(this.#in.refresh, group, { endpoint: P.refresh, groupId: group?.id });
    const body = new URLSearchParams([
      ['groupId', g.id],
      ['groupName', g.name],
    ]);
    await this.#transport.post(P.refresh, body, okSchema, { groupId: g.id });
  }

  /** The group's member ids (wire field `users`). A failure throws — never read it as "no members". */
  async getMembers(group: { id: string }): Promise<{ members: { id: string }[] }> {
    const g = validateInput(this.#in.getMembers, group, { endpoint: P.members, groupId: group?.id });
    const body = await this.#transport.post(P.members, new URLSearchParams([['groupId', g.id]]), groupMembersSchema, { groupId: g.id });
    return { members: body.users.map((u) => ({ id: u.id })) };
  }

  /** The groups the user is in (`/user/group/query.json`). */
  async userGroups(user: { id: string }): Promise<{ id: string; name: string }[]> {
    const u = validateInput(this.#in.userGroups, user, { endpoint: P.userGroups, userId: user?.id });
    const body = await this.#transport.post(P.userGroups, new URLSearchParams([['userId', u.id]]), userGroupsSchema, { userId: u.id });
    return body.groups.map((g) => ({ id: g.id, name: g.name }));
  }

  /** How a batched call's body is built: repeated `userId`, then `rest` (what members() sends). */
  #shape(rest: [string, string][]): BatchShape {
    return { maxIds: this.#maxIds, maxBodyBytes: MAX_BODY_BYTES, idKey: 'userId', rest };
  }

  /**
   * Ends this client's calls: those waiting for the limiter or in backoff, and every later one,
   * reject with ClientClosedError (an attempt already on the wire ends within `timeoutMs`). Closes
   * the limiter only if this client created it; a shared one belongs to whoever passed it in.
   */
  close(): void {
    this.#transport.close();
    if (this.#ownsLimiter) this.limiter.close(new Error('GroupClient closed'));
  }
}

/** Repeated `userId` keys first (as the official SDK sends arrays), then the scalars. */
function members(ids: string[], rest: [string, string][]): URLSearchParams {
  const params = new URLSearchParams();
  for (const id of ids) params.append('userId', id);
  for (const [k, v] of rest) params.append(k, v);
  return params;
}

function withName(groupId: string, name: string | undefined): [string, string][] {
  return name === undefined ? [['groupId', groupId]] : [['groupId', groupId], ['groupName', name]];
}
