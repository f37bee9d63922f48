// How the HTTP server answers a failure: always a JSON body `{ error, message }` with a 4xx for
// bad input (what to fix, in words) and a 5xx for rongsync's own failures — never a stack trace,
// which would show internals and, through an error message, app data to whoever asked.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { RongsyncError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { NotQuarantinedError } from '../rongsync.js';

/** A request the server refuses with a status and a message meant for its sender. */
export class HttpError extends RongsyncError {
  readonly status: number;

  constructor(status: number, kind: string, message: string) {
    super(kind, message);
    this.status = status;
  }
}

interface ErrorBody {
  error: string;
  message: string;
}

/** The error handler of the whole server. */
export function errorHandler(logger: Logger) {
  return (error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): void => {
    const send = (status: number, body: ErrorBody & Record<string, unknown>) => void reply.code(status).type('application/json; charset=utf-8').send(body);
    if (error instanceof HttpError) {
      send(error.status, { error: error.kind, message: error.message });
      return;
    }
    if (error instanceof NotQuarantinedError) {
      send(409, { error: error.kind, message: error.message, problems: error.problems });
      return;
    }
    const status = (error as FastifyError).statusCode;
    // Fastify's own refusals (malformed JSON, body too large, bad content type) are the client's.
    if (typeof status === 'number' && status >= 400 && status < 500) {
      send(status, { error: (error as FastifyError).code?.toLowerCase() ?? 'bad_request', message: error.message });
      return;
    }
    logger.error({ err: error, method: request.method, route: request.routeOptions.url }, 'HTTP request failed');
    if (error instanceof RongsyncError) {
      send(503, { error: error.kind, message: error.message });
      return;
    }
    send(500, { error: 'internal_error', message: 'internal error; the server log has the details' });
  };
}
