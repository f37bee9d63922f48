// A secret that cannot leak by accident: every way Node turns a value into text (String(),
// template literals, JSON.stringify, util.inspect / console.log, pino) prints "[redacted]".
// Only `reveal()` — called by the request signer — returns the real value.

const REDACTED = '[redacted]';

export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return REDACTED;
  }
}
