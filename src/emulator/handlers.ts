// The RongCloud group endpoints: validate the form parameters as RongCloud does (every message
// names the parameter and the limit), then apply the call to the GroupStore. A handler returns
// the success body's extra fields or throws an ApiError.
import { describeProblem, groupIdProblem, groupNameProblem, userIdProblem, type TextProblem } from '../rules/ids.js';
import { ApiError } from './errors.js';
import type { Params } from './form.js';
import type { GroupStore } from './state.js';
import type { EmulatorLimits } from './types.js';

export type Handler = (params: Params, store: GroupStore, limits: EmulatorLimits) => Record<string, unknown>;

/** The SDK sends `groupName=undefined` literally when it has no name. */
const NO_NAME = 'undefined';

function required(params: Params, name: string): string {
  const values = params[name];
  if (!values || values.length === 0 || values[0] === '') throw new ApiError(1002, `${name} is required`);
  if (values.length > 1) throw new ApiError(1002, `${name} must be given once, got ${values.length} values`);
  return values[0]!;
}

function groupId(params: Params, limits: EmulatorLimits): string {
  const id = required(params, 'groupId');
  checkGroupId(id, 'groupId', limits);
  return id;
}

/**
 * RongCloud's rules for an id or a name (src/rules/ids.ts, the rules rongsync's planner and client
 * apply too): a length over the limit is 1005, any other problem 1002 — an empty, blank or padded
 * id, or one holding a control, line-separator or bidi character.
 */
function check(label: string, p: TextProblem | null): void {
  if (p === null) return;
  if (p.kind === 'too_long') {
    throw new ApiError(1005, `${label} is ${p.described} long; the limit is ${p.limit}${p.unit === 'utf8' ? ' bytes' : ''}`);
  }
  throw new ApiError(1002, `${label} ${describeProblem(p)}`);
}

function checkGroupId(id: string, label: string, limits: EmulatorLimits): void {
  check(label, groupIdProblem(id, limits.groupIdMax));
}

function checkUserId(id: string, label: string, limits: EmulatorLimits): void {
  check(`${label} ${JSON.stringify(id.slice(0, 80))}`, userIdProblem(id, limits.userIdMax));
}

/** Normalised group name: null when absent, empty or the SDK's literal `undefined`. */
function optionalName(raw: string | undefined, label: string, limits: EmulatorLimits): string | null {
  if (raw === undefined || raw === '' || raw === NO_NAME) return null;
  check(label, groupNameProblem(raw, limits.groupNameMax));
  return raw;
}

function groupName(params: Params, limits: EmulatorLimits, must: boolean): string | null {
  const values = params.groupName;
  if (values && values.length > 1) throw new ApiError(1002, `groupName must be given once, got ${values.length} values`);
  const name = optionalName(values?.[0], 'groupName', limits);
  if (must && name === null) throw new ApiError(1002, 'groupName is required');
  return name;
}

/** The repeated `userId` of create/join/quit: 1..maxIdsPerCall ids, duplicates folded. */
function userIds(params: Params, limits: EmulatorLimits): string[] {
  const values = params.userId;
  if (!values || values.length === 0) throw new ApiError(1002, 'userId is required');
  if (values.length > limits.maxIdsPerCall) {
    throw new ApiError(1502, `userId: ${values.length} values given; the limit is ${limits.maxIdsPerCall} per call`);
  }
  for (const u of values) {
    if (u === '') throw new ApiError(1002, 'userId must not be empty');
    checkUserId(u, 'userId', limits);
  }
  return values.length === 1 ? values : [...new Set(values)];
}

function userId(params: Params, limits: EmulatorLimits): string {
  const u = required(params, 'userId');
  checkUserId(u, 'userId', limits);
  return u;
}

const GROUP_KEY = /^group\[(.*)\]$/s;

export const HANDLERS: Record<string, Handler> = {
  '/group/create.json': (p, store, limits) => {
    const ids = userIds(p, limits);
    const id = groupId(p, limits);
    store.join(id, ids, groupName(p, limits, true));
    return {};
  },

  '/group/join.json': (p, store, limits) => {
    const ids = userIds(p, limits);
    const id = groupId(p, limits);
    store.join(id, ids, groupName(p, limits, false));
    return {};
  },

  '/group/quit.json': (p, store, limits) => {
    const ids = userIds(p, limits);
    store.quit(groupId(p, limits), ids);
    return {};
  },

  '/group/dismiss.json': (p, store, limits) => {
    userId(p, limits); // the operator: required, any user id
    store.dismiss(groupId(p, limits));
    return {};
  },

  '/group/refresh.json': (p, store, limits) => {
    const id = groupId(p, limits);
    const name = groupName(p, limits, true)!;
    if (!store.rename(id, name)) throw new ApiError(1002, `groupId: group ${id} does not exist`);
    return {};
  },

  '/group/user/query.json': (p, store, limits) => {
    const members = store.members(groupId(p, limits));
    return { users: members.map((id) => ({ id })) };
  },

  '/user/group/query.json': (p, store, limits) => {
    const groups = store.groupsOf(userId(p, limits));
    // RongCloud always has a name on the wire; an unnamed group is shown as "".
    return { groups: groups.map((g) => ({ id: g.id, name: g.name ?? '' })) };
  },

  '/group/sync.json': (p, store, limits) => {
    const user = userId(p, limits);
    const wanted = new Map<string, string | null>();
    for (const key in p) {
      const m = GROUP_KEY.exec(key);
      if (!m) continue;
      const id = m[1]!;
      if (id === '') throw new ApiError(1002, `${key}: the group id inside group[...] is empty`);
      checkGroupId(id, `group[${id.slice(0, 80)}]`, limits);
      const values = p[key]!;
      wanted.set(id, optionalName(values[values.length - 1], `name of group[${id}]`, limits));
    }
    store.sync(user, wanted);
    return {};
  },
};
