// The emulator's public contract (re-exported by index.ts). Other layers' tests code against these
// exact shapes, so changes here are API changes.

/** RongCloud's documented limits; every one can be lowered or raised for a test. */
export interface EmulatorLimits {
  /** Members one group may hold. @default 3000 */
  maxMembersPerGroup: number;
  /** `userId` values accepted in one create/join/quit call. @default 1000 */
  maxIdsPerCall: number;
  /** Largest accepted request body, in bytes (code 1508 beyond). @default 102400 */
  maxBodyBytes: number;
  /** Longest group id, in characters. @default 64 */
  groupIdMax: number;
  /** Longest group name, in characters. @default 64 */
  groupNameMax: number;
  /** Longest user id, in UTF-8 bytes. @default 64 */
  userIdMax: number;
  /** Groups one user may belong to. @default 500 */
  maxGroupsPerUser: number;
}

export interface FaultConfig {
  /** Added delay before every faulted-path answer, in ms. @default 0 */
  latencyMs?: number;
  /** Extra uniform random delay in [0, jitterMs), drawn from the seeded PRNG. @default 0 */
  jitterMs?: number;
  /** Fraction of requests answered with `errorStatus`, refused before processing (not applied). @default 0 */
  errorRate?: number;
  /**
   * Status used by `errorRate`: a 5xx (504 answers code 1050, any other code 1000), or 400 for a
   * parameter refusal (code 1002). @default 500
   */
  errorStatus?: number;
  /**
   * Fraction of requests never answered (the socket stays open until the client gives up).
   * Applied unless `applyUnanswered` is false. @default 0
   */
  timeoutRate?: number;
  /** Fraction of requests whose socket is destroyed without an answer. Applied unless `applyUnanswered` is false. @default 0 */
  resetRate?: number;
  /**
   * Whether `timeoutRate` / `resetRate` requests are processed before the answer is dropped, as
   * when RongCloud handled the request and the answer was lost (`true`), or dropped unprocessed,
   * as when the request never reached it (`false`). Draws nothing from the PRNG. @default true
   */
  applyUnanswered?: boolean;
  /** The next `count` requests get 429 / code 1008 with `Retry-After` (default 1 s). */
  rateLimitBurst?: { count: number; retryAfterSeconds?: number };
  /** Limit faults to these API paths. @default every API path */
  paths?: string[];
}

export interface EmulatorOptions {
  appKey: string;
  appSecret: string;
  /** @default '127.0.0.1' */
  host?: string;
  /** 0 picks a free port. @default 0 */
  port?: number;
  /** Sliding one-second window over all API requests; 0 turns it off. @default 100 */
  rateLimitPerSecond?: number;
  limits?: Partial<EmulatorLimits>;
  /** Faults active from the start. @default none */
  faults?: FaultConfig;
  /** Seed of the fault PRNG: same seed + same request order → same faults. @default 1 */
  seed?: number;
  /** JSON snapshot loaded at start when the file exists and written on close(). @default none */
  snapshotPath?: string;
}

export interface EmulatorGroup {
  name: string | null;
  /** Sorted by code point (sortIds, the order of COLLATE "C"). */
  members: string[];
}

export interface EmulatorSnapshot {
  groups: Record<string, EmulatorGroup>;
}

export interface CallRecord {
  /** 1, 2, 3… in arrival order; survives eviction from the ring, restarts at reset(). */
  seq: number;
  /** Date.now() when the request arrived. */
  at: number;
  path: string;
  params: Record<string, string[]>;
  /** HTTP status answered; 0 when a fault left the request unanswered (timeout, reset — applied or not). */
  status: number;
  /** Business code answered (200 on success); 0 when unanswered. */
  code: number;
  /** 'error' | 'timeout' | 'reset' | 'rate-limit-burst' when a fault decided the answer. */
  fault?: string;
  /**
   * For a write that was processed (answered or not): whether it changed the state. A write that
   * changes nothing (joining members already in, quitting absent ones…) is a wasted call.
   */
  changed?: boolean;
}

export interface Emulator {
  /** `http://host:port`, no trailing slash (what RongCloud clients take as their API base). */
  url: string;
  port: number;
  state(): EmulatorSnapshot;
  /** Requests per API path plus `total`: everything that reached a handler or a fault. */
  counts(): Record<string, number>;
  /** The most recent calls, oldest first (a bounded ring). */
  calls(): CallRecord[];
  /** Empties state, counts and calls; clears faults; restarts the PRNG and the rate window. */
  reset(): void;
  /** Replaces the whole state (trusted input: limits are not applied). */
  load(snapshot: EmulatorSnapshot): void;
  setFaults(f: FaultConfig): void;
  setRateLimit(perSecond: number): void;
  /** Stops listening, drops open connections, writes the snapshot file when configured. */
  close(): Promise<void>;
}
