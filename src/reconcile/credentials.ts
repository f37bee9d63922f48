// A wrong app key or secret is not about any group: RongCloud refuses every call the same way.
// For one run, the first refusal stops everything — later calls fail at once without being sent —
// so a run with bad credentials makes one call, fails with the fix, and quarantines nothing.
import { RongsyncError } from '../errors.js';
import { CREDENTIALS_FIX, isCredentialsError, type RemoteError } from '../remote/errors.js';
import type { RemoteGroups } from './ports.js';

export class CredentialsRefusedError extends RongsyncError {
  readonly code: number | undefined;

  constructor(cause: RemoteError) {
    super('credentials_refused', `${CREDENTIALS_FIX} (RongCloud answered ${cause.code ?? `HTTP ${cause.httpStatus}`}${cause.errorMessage ? `: ${cause.errorMessage}` : ''})`, { cause });
    this.code = cause.code;
  }
}

export interface GuardedRemote extends RemoteGroups {
  /** The first credentials refusal seen, if any. */
  refused(): RemoteError | undefined;
}

/** Wraps the remote for one run: after the first credentials refusal, nothing more is sent. */
export function stopOnCredentials(remote: RemoteGroups): GuardedRemote {
  let refused: RemoteError | undefined;
  const guard = <A, R>(fn: (arg: A) => Promise<R>) =>
    async (arg: A): Promise<R> => {
      if (refused) throw refused;
      try {
        return await fn(arg);
      } catch (e) {
        if (isCredentialsError(e)) refused ??= e;
        throw e;
      }
    };
  return {
    create: guard((g) => remote.create(g)),
    invite: guard((g) => remote.invite(g)),
    kick: guard((g) => remote.kick(g)),
    refresh: guard((g) => remote.refresh(g)),
    dismiss: guard((p) => remote.dismiss(p)),
    sync: guard((u) => remote.sync(u)),
    getMembers: guard((g) => remote.getMembers(g)),
    userGroups: guard((u) => remote.userGroups(u)),
    refused: () => refused,
  };
}
