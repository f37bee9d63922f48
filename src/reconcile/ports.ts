// The side effects the reconciler needs, as small interfaces. The real
// implementations are GroupClient (src/remote/) and the Prisma-backed stores in this folder;
// tests drive them with a real Postgres and the emulator over HTTP.

/** The RongCloud Group calls the reconciler makes (GroupClient satisfies this). */
export interface RemoteGroups {
  create(group: { id: string; name: string; memberIds: string[] }): Promise<void>;
  invite(group: { id: string; memberIds: string[]; name?: string }): Promise<void>;
  kick(group: { id: string; memberIds: string[] }): Promise<void>;
  refresh(group: { id: string; name: string }): Promise<void>;
  dismiss(params: { id: string; operator: string }): Promise<void>;
  sync(user: { id: string; groups: { id: string; name: string }[] }): Promise<void>;
  getMembers(group: { id: string }): Promise<{ members: { id: string }[] }>;
  userGroups(user: { id: string }): Promise<{ id: string; name: string }[]>;
}

export type Clock = () => Date;
export const systemClock: Clock = () => new Date();
