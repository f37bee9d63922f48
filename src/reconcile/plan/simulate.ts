// An in-memory RongCloud with the group API's semantics, to apply a plan without a network: the
// planner's tests use it to prove a plan reaches exactly the desired state, and a `--dry-run` can
// show the state a plan would leave. It throws on a call RongCloud would reject for the reasons
// the planner is responsible for (too many ids per call, renaming a group that does not exist).
import type { GroupInput, PlannedCall } from './types.js';

interface SimGroup {
  /** null = unknown (as observed). */
  name: string | null;
  members: Set<string>;
}

/** Group id → group. A group is present iff it exists. */
export type RemoteModel = Map<string, SimGroup>;

export class SimulationError extends Error {
  constructor(
    message: string,
    readonly call: PlannedCall,
    readonly index: number,
  ) {
    super(`call #${index} (${call.kind}): ${message}`);
    this.name = 'SimulationError';
  }
}

/** The model of what was observed: known, existing groups only (unknown ones are left out). */
export function modelFromObservations(groups: readonly GroupInput[]): RemoteModel {
  const model: RemoteModel = new Map();
  for (const g of groups) {
    const r = g.remote;
    if (r.status !== 'known' || !(r.exists || r.members.length > 0)) continue;
    model.set(g.id, { name: r.name, members: new Set(r.members) });
  }
  return model;
}

function cloneModel(model: RemoteModel): RemoteModel {
  return new Map([...model].map(([id, g]) => [id, { name: g.name, members: new Set(g.members) }]));
}

/**
 * Applies `calls` in order to a copy of `model` and returns it.
 * create(g,name,ids): g exists with that name, ids added. invite(g,ids,name?): ids added (g created
 * if missing; renamed if name given). kick(g,ids): ids removed (the group record stays). refresh:
 * rename, g must exist. dismiss: g removed. sync(u,list): u is in exactly the listed groups
 * (missing ones are created with the listed name; existing ones keep their name).
 */
export function simulate(model: RemoteModel, calls: readonly PlannedCall[], maxIdsPerCall = 1000): RemoteModel {
  const m = cloneModel(model);
  calls.forEach((call, index) => {
    const fail = (msg: string) => {
      throw new SimulationError(msg, call, index);
    };
    const ensure = (id: string, name: string | null): SimGroup => {
      let g = m.get(id);
      if (!g) {
        g = { name, members: new Set() };
        m.set(id, g);
      }
      return g;
    };
    switch (call.kind) {
      case 'create':
      case 'invite': {
        if (call.memberIds.length === 0) fail('no user ids');
        if (call.memberIds.length > maxIdsPerCall) fail(`${call.memberIds.length} user ids; the limit is ${maxIdsPerCall}`);
        const name = call.name ?? null;
        const g = ensure(call.groupId, name);
        if (name !== null) g.name = name;
        for (const u of call.memberIds) g.members.add(u);
        break;
      }
      case 'kick': {
        if (call.memberIds.length === 0) fail('no user ids');
        if (call.memberIds.length > maxIdsPerCall) fail(`${call.memberIds.length} user ids; the limit is ${maxIdsPerCall}`);
        const g = m.get(call.groupId);
        if (g) for (const u of call.memberIds) g.members.delete(u);
        break;
      }
      case 'refresh': {
        const g = m.get(call.groupId);
        if (!g) fail(`group ${call.groupId} does not exist`);
        g!.name = call.name;
        break;
      }
      case 'dismiss':
        m.delete(call.groupId);
        break;
      case 'sync': {
        const listed = new Set(call.groups.map((g) => g.id));
        for (const [id, g] of m) if (!listed.has(id)) g.members.delete(call.userId);
        for (const { id, name } of call.groups) ensure(id, name).members.add(call.userId);
        break;
      }
    }
  });
  return m;
}
