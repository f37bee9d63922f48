// A run's progress as it goes, for whoever shows it (the CLI's progress line, serve's progress
// log): groups settled of the run's scope, remote calls made of those known so far, and what the
// writes RongCloud accepted amount to. The reconciler only counts and tells; how (and whether) it
// is shown is the listener's business — it knows nothing of terminals.
//
// Calls are known batch by batch: a batch's reads when it starts (plus the name queries they lead
// to), its writes once it is planned (apply only). So `calls.planned` grows as the run goes, and at
// the end of each batch it is set to what was actually sent (calls a stopped chain never made are
// dropped): after the run, planned = done + failed.
import type { Logger } from '../log/logger.js';
import type { RunMode, RunTrigger } from './types.js';
import { CallTally, type CallCounts } from './plan/tally.js';
import type { PlannedCall } from './plan/types.js';
import type { RemoteGroups } from './ports.js';

export interface RunProgress {
  runId: number;
  trigger: RunTrigger;
  mode: RunMode;
  startedAt: Date;
  /** Groups in the run's scope; `started` have begun their batch, `done` are settled. */
  groups: { total: number; started: number; done: number };
  /** Remote calls (reads and writes): known so far, answered, failed. */
  calls: { planned: number; done: number; failed: number };
  /** The writes RongCloud accepted, counted as `plan` counts planned calls. */
  applied: CallCounts;
  /** The run is over (the last report of a run). */
  finished: boolean;
}

export type ProgressListener = (progress: RunProgress) => void;

type RunIdentity = Pick<RunProgress, 'runId' | 'trigger' | 'mode' | 'startedAt'>;

export class ProgressTracker {
  readonly #base: RunIdentity;
  readonly #listener: ProgressListener | undefined;
  readonly #logger: Logger;
  readonly #groups = { total: 0, started: 0, done: 0 };
  readonly #calls = { planned: 0, done: 0, failed: 0 };
  readonly #applied = new CallTally();
  #started = 0;
  #finished = false;
  #listenerFailed = false;

  constructor(base: RunIdentity, listener: ProgressListener | undefined, logger: Logger) {
    this.#base = base;
    this.#listener = listener;
    this.#logger = logger;
  }

  snapshot(): RunProgress {
    return { ...this.#base, groups: { ...this.#groups }, calls: { ...this.#calls }, applied: this.#applied.counts(), finished: this.#finished };
  }

  /** The run is over: the last report. */
  finish(): void {
    this.#finished = true;
    this.#calls.planned = this.#started;
    this.#tell();
  }

  /** The run's scope is known. */
  scope(groups: number): void {
    this.#groups.total = groups;
    this.#tell();
  }

  batchStarted(groups: number): void {
    this.#groups.started += groups;
    this.#tell();
  }

  /** `calls` more calls are about to be made (a batch's reads, or its planned writes). */
  expect(calls: number): void {
    this.#calls.planned = Math.max(this.#calls.planned, this.#started) + calls;
    this.#tell();
  }

  batchDone(groups: number): void {
    this.#groups.done += groups;
    this.#calls.planned = this.#started;
    this.#tell();
  }

  /** The remote, counting every call made through it. */
  observe(remote: RemoteGroups): RemoteGroups {
    const count = <A, R>(fn: (arg: A) => Promise<R>, asWrite?: (arg: A) => PlannedCall) =>
      async (arg: A): Promise<R> => {
        this.#started++;
        if (this.#started > this.#calls.planned) this.#calls.planned = this.#started;
        try {
          const r = await fn(arg);
          this.#calls.done++;
          if (asWrite) this.#applied.add(asWrite(arg));
          return r;
        } catch (e) {
          this.#calls.failed++;
          throw e;
        } finally {
          this.#tell();
        }
      };
    return {
      create: count((g) => remote.create(g), (g) => ({ kind: 'create', groupId: g.id, name: g.name, memberIds: g.memberIds })),
      invite: count((g) => remote.invite(g), (g) => ({ kind: 'invite', groupId: g.id, memberIds: g.memberIds, ...(g.name !== undefined ? { name: g.name } : {}) })),
      kick: count((g) => remote.kick(g), (g) => ({ kind: 'kick', groupId: g.id, memberIds: g.memberIds })),
      refresh: count((g) => remote.refresh(g), (g) => ({ kind: 'refresh', groupId: g.id, name: g.name })),
      dismiss: count((p) => remote.dismiss(p), (p) => ({ kind: 'dismiss', groupId: p.id, operator: p.operator })),
      sync: count((u) => remote.sync(u), (u) => ({ kind: 'sync', userId: u.id, groups: u.groups })),
      getMembers: count((g) => remote.getMembers(g)),
      userGroups: count((u) => remote.userGroups(u)),
    };
  }

  #tell(): void {
    if (!this.#listener) return;
    try {
      this.#listener(this.snapshot());
    } catch (e) {
      // A listener's exception must never fail a call or a run.
      if (!this.#listenerFailed) this.#logger.warn({ err: e }, 'a run progress listener threw; its later errors are not logged');
      this.#listenerFailed = true;
    }
  }
}
