// Faults that are about RongCloud as a whole, not about any group, stop a run (or an explain's
// read) at once instead of failing every group one by one:
//
// - a wrong app key or secret: RongCloud refuses every call the same way. The first refusal stops
//   everything — later calls fail at once without being sent — so a run with bad credentials makes
//   one call, fails with the fix, and quarantines nothing.
// - RongCloud unreachable: a call got no answer from any base URL after all its retries, and no
//   call of this run got any answer before it. Later calls are not sent (NotSentError: they surely
//   changed nothing), so an outage or a wrong RONGCLOUD_API_URL costs one call's retries, not every
//   group's, and the run fails with the host and the fix. Once RongCloud has answered in a run, a
//   call without an answer is that call's failure (its group backs off), as before.
//
// Until RongCloud has answered once, reads go one at a time: the first probes, the others wait for
// its outcome (one round trip, once per run) — otherwise a batch's reads, all queued at once in the
// client, would each wait out their own timeout against a server that never answers. Writes need
// no probe (apply takes them up `concurrency` at a time, each checking here first), and a
// change-triggered run, which starts with writes, pays no round trip.
import { RongsyncError } from '../errors.js';
import { CREDENTIALS_FIX, isCredentialsError, MalformedResponseError, NotSentError, RemoteError, TransportError, unreachableMessage } from '../remote/errors.js';
import { ENDPOINTS as E } from '../remote/group-client.js';
import type { RemoteGroups } from './ports.js';

export class CredentialsRefusedError extends RongsyncError {
  readonly code: number | undefined;

  constructor(cause: RemoteError) {
    super('credentials_refused', `${CREDENTIALS_FIX} (RongCloud answered ${cause.code ?? `HTTP ${cause.httpStatus}`}${cause.errorMessage ? `: ${cause.errorMessage}` : ''})`, { cause });
    this.code = cause.code;
  }
}

/** RongCloud gave no answer at all: the network, RONGCLOUD_API_URL, or RongCloud itself. */
class RongCloudUnreachableError extends RongsyncError {
  readonly host: string;

  constructor(cause: TransportError) {
    super('rongcloud_unreachable', unreachableMessage(cause), { cause });
    this.host = cause.host;
  }
}

export interface GuardedRemote extends RemoteGroups {
  /** Why the run must stop (credentials refused, RongCloud unreachable), if it must. */
  stopped(): CredentialsRefusedError | RongCloudUnreachableError | undefined;
}

/** Wraps the remote for one run (or one read): after a run-wide fault, nothing more is sent. */
export function stopOnRemoteFaults(remote: RemoteGroups): GuardedRemote {
  let refused: RemoteError | undefined;
  let unreachable: TransportError | undefined;
  let answered = false;
  /** The first call, in flight: the others wait for its answer (or its lack of one). */
  let probing: Promise<void> | undefined;
  const guard = <A, R>(fn: (arg: A) => Promise<R>, target: (arg: NoInfer<A>) => { endpoint: string; groupId?: string; userId?: string }, read = false) =>
    async (arg: A): Promise<R> => {
      while (read && !answered && probing) await probing;
      if (refused) throw refused;
      if (unreachable) throw new NotSentError(target(arg), `RongCloud could not be reached (${unreachable.host})`);
      let probed: (() => void) | undefined;
      if (read && !answered) probing = new Promise<void>((resolve) => (probed = resolve));
      try {
        const r = await fn(arg);
        answered = true;
        return r;
      } catch (e) {
        if (isCredentialsError(e)) refused ??= e;
        if (e instanceof TransportError) {
          if (!answered) unreachable ??= e;
        } else if (e instanceof RemoteError || e instanceof MalformedResponseError) answered = true; // RongCloud (or something in front of it) answered
        throw e;
      } finally {
        if (probed) {
          probing = undefined;
          probed();
        }
      }
    };
  const group = (endpoint: string) => (g: { id: string }) => ({ endpoint, groupId: g.id });
  return {
    create: guard((g) => remote.create(g), group(E.create)),
    invite: guard((g) => remote.invite(g), group(E.join)),
    kick: guard((g) => remote.kick(g), group(E.quit)),
    refresh: guard((g) => remote.refresh(g), group(E.refresh)),
    dismiss: guard((p) => remote.dismiss(p), group(E.dismiss)),
    sync: guard((u) => remote.sync(u), (u) => ({ endpoint: E.sync, userId: u.id })),
    getMembers: guard((g) => remote.getMembers(g), group(E.members), true),
    userGroups: guard((u) => remote.userGroups(u), (u) => ({ endpoint: E.userGroups, userId: u.id }), true),
    stopped: () => (refused ? new CredentialsRefusedError(refused) : unreachable ? new RongCloudUnreachableError(unreachable) : undefined),
  };
}
