// rongsync as a library. Everything the CLI and the HTTP server do goes through createRongsync.
//
//   import { createRongsync } from 'rongsync';
//   const rs = createRongsync({ databaseUrl, config: { RONGCLOUD_APP_KEY: '…', RONGCLOUD_APP_SECRET: '…' } });
//   await rs.migrate();
//   const { verdict } = await rs.apply();          // verdict.exitCode: 0 in sync, 1, 2 as the CLI
//   const service = await rs.serve();              // events: run, leader, standby, error
//   const http = await createHttpServer(rs, service); // /healthz /readyz /metrics, console, /api
//   await rs.close();
export {
  createRongsync,
  NotQuarantinedError,
  type ApplyOptions,
  type ApplyOutcome,
  type ConfigValues,
  type PlanOptions,
  type PlanOutcome,
  type Readiness,
  type Rongsync,
  type RongsyncEvents,
  type RongsyncOptions,
  type ServeOptions,
  type Status,
} from './rongsync.js';
export type { Config } from './config/load.js';
export { createHttpServer, type HttpServer, type HttpServerOptions } from './http/server.js';
export { ConfigError, MigrationError, RongsyncError } from './errors.js';
export type { Logger } from './log/logger.js';
export type { GroupExplanation } from './reconcile/explain.js';
export type { GroupCondition, GroupListing, KnownDrift, WaitingGroup } from './store/group-state.js';
export type { LeaderSession } from './service/leader.js';
export type { CallCounts } from './reconcile/plan/tally.js';
export type { PlannedCall } from './reconcile/plan/types.js';
export type { ProgressListener, RunProgress } from './reconcile/progress.js';
export type { RemoteGroups } from './reconcile/ports.js';
export type { BatchReport, RunResult } from './reconcile/run.js';
export type { ReconcileService, ServiceEvents } from './service/serve.js';
export type { Verdict } from './reconcile/verdict.js';
export type { RunSummary } from './report/load.js';
export type { DriftReportItem, RunReport } from './report/types.js';
export type { RunCounts, RunStatus } from './reconcile/types.js';
export { startEmulator, type Emulator, type EmulatorOptions } from './emulator/index.js';
