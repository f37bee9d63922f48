// Two kinds of failure live here. ApiError is an answer the emulated RongCloud gives a client
// (business code + HTTP status, as in RongCloud's error table); thrown by validation and by the
// state model, it never escapes the request pipeline. EmulatorError is a misuse of the emulator
// itself (bad option, unreadable snapshot) and reaches the caller / CLI.
import { RongsyncError } from '../errors.js';

/** HTTP status RongCloud uses for each business code it answers with. */
const STATUS_OF_CODE: Record<number, number> = {
  1000: 500,
  1001: 401,
  1002: 400,
  1004: 401,
  1005: 400,
  1008: 429,
  1050: 504,
  1501: 400,
  1502: 400,
  1508: 413,
  404: 404,
  405: 405,
};

export class ApiError extends Error {
  readonly code: number;
  readonly status: number;

  constructor(code: number, message: string) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.status = STATUS_OF_CODE[code] ?? 500;
  }
}

/** The emulator was given something it cannot use; the message names the option and a fix. */
export class EmulatorError extends RongsyncError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('emulator_invalid', message, options);
  }
}
