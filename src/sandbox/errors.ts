// The local sandbox (`rongsync start` without DATABASE_URL) could not be set up or kept running:
// the message says what failed and what to do about it.
import { RongsyncError } from '../errors.js';

export class SandboxError extends RongsyncError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('sandbox_failed', message, options);
  }
}

/** A start cut short by SIGINT / SIGTERM: not a failure. */
export class SandboxAbortedError extends RongsyncError {
  constructor() {
    super('sandbox_aborted', 'the sandbox start was interrupted');
  }
}
