// SIGINT / SIGTERM for commands that run once (`apply`, `plan`): the first signal aborts the run
// through its AbortSignal — calls in flight finish and are recorded, nothing new starts — and the
// command exits 130 / 143, the codes a shell reports for a process ended by that signal. Our
// handler is removed after the first signal, so a second one stops the process at once (Node's
// default). Installing handlers also matters as PID 1 in a container, where a signal without a
// handler is ignored.
import type { CliContext } from './context.js';

const EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;
type HandledSignal = keyof typeof EXIT_CODES;

export interface Interrupt {
  /** Aborts on the first SIGINT / SIGTERM: pass it in the run request. */
  signal: AbortSignal;
  /** For the command's catch: an error the abort caused is printed as one line, any other rethrown. */
  caught(e: unknown): void;
  /** For the command's finally: removes the handlers; after a signal the exit code is 130 / 143. */
  done(): void;
}

export function onInterrupt(ctx: CliContext): Interrupt {
  const controller = new AbortController();
  let received: HandledSignal | undefined;
  const handlers = new Map<HandledSignal, () => void>();
  const dispose = () => {
    for (const [sig, h] of handlers) process.off(sig, h);
    handlers.clear();
  };
  for (const sig of Object.keys(EXIT_CODES) as HandledSignal[]) {
    const h = () => {
      received = sig;
      dispose();
      ctx.logger().warn({ signal: sig }, `received ${sig}: stopping the run after the calls in flight (send it again to stop at once)`);
      controller.abort(new Error(`run aborted by ${sig}`));
    };
    handlers.set(sig, h);
    process.on(sig, h);
  }
  return {
    signal: controller.signal,
    caught(e) {
      if (!received) throw e;
      ctx.stderr.write(`rongsync: ${e instanceof Error ? e.message : String(e)} (${received})\n`);
    },
    done() {
      dispose();
      if (received) ctx.exitCode = EXIT_CODES[received];
    },
  };
}

/** The first SIGINT / SIGTERM of a long-running command; the handlers are removed then, so a second signal stops the process at once. */
export function firstSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (signal: NodeJS.Signals) => {
      process.off('SIGTERM', on);
      process.off('SIGINT', on);
      resolve(signal);
    };
    process.on('SIGTERM', on);
    process.on('SIGINT', on);
  });
}
