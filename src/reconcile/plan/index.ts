// The planner's public surface: the lead's observe/apply code imports from here.
export * from './types.js';
export { planReconcile, PlanInputError } from './plan.js';
export { simulate, modelFromObservations, cloneModel, SimulationError, type RemoteModel, type SimGroup } from './simulate.js';
export { minWeightVertexCover, FlowNetwork, type CoverProblem, type CoverResult } from './cover.js';
export { GUARD_SMALL_DELETES, evaluateGuard, type GuardResult } from './guard.js';
export { groupIdProblem, groupNameProblem, userIdProblem } from './validate.js';
