// The remote edge: everything rongsync does to RongCloud goes through GroupClient.
export { GroupClient, type GroupClientOptions, type AttemptEvent, type AttemptOutcome } from './group-client.js';
export { MAX_BODY_BYTES, syncBodyBytes, fitsSyncBody, formEncodedBytes, type SyncBodyUser } from './batch.js';
export { RateLimiter, type RateLimiterOptions, type RateLimiterStats } from './rate-limiter.js';
export {
  RemoteEdgeError,
  RemoteError,
  RateLimitError,
  TransportError,
  RemoteValidationError,
  MalformedResponseError,
  ClientClosedError,
  type RemoteErrorContext,
} from './errors.js';
