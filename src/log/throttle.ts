// Keeps a burst of the same event from flooding the log: the first event is logged at once, the
// ones that follow within `intervalMs` are counted, and at the end of the interval one line
// stands for all of them (the latest event and how many it stands for). A quiet interval resets
// it, so the next event is logged at once again.

export class Throttle<E> {
  readonly #emit: (latest: E, count: number) => void;
  readonly #intervalMs: number;
  #timer: NodeJS.Timeout | undefined;
  #pending: E | undefined;
  #count = 0;

  /**
   * @param emit called with the event to log and how many events it stands for (≥ 1)
   * @param intervalMs least time between two calls of `emit`. @default 10000
   */
  constructor(emit: (latest: E, count: number) => void, intervalMs = 10_000) {
    this.#emit = emit;
    this.#intervalMs = intervalMs;
  }

  push(event: E): void {
    if (this.#timer === undefined) {
      this.#emit(event, 1);
      this.#arm();
      return;
    }
    this.#pending = event;
    this.#count++;
  }

  /** Logs what is held back now (e.g. before a related line that must come after it). */
  flush(): void {
    if (this.#count === 0) return;
    const event = this.#pending as E;
    const count = this.#count;
    this.#pending = undefined;
    this.#count = 0;
    this.#emit(event, count);
  }

  /** Logs what is held back and stops the timer. */
  close(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.flush();
  }

  #arm(): void {
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (this.#count === 0) return;
      this.flush();
      this.#arm(); // the burst goes on: keep counting
    }, this.#intervalMs);
    this.#timer.unref();
  }
}
