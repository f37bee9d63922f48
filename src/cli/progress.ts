// How a run's progress is shown (the run only counts: src/reconcile/progress.ts).
//
// - On a terminal: one live line on stderr, redrawn in place — groups and calls done of those
//   known, calls per second, the time left at that rate — once the run has lasted a second (a quick
//   run shows none), erased before anything else is printed (a log line, the report).
// - Anywhere else (a pipe, a file, a container's log) and in `serve`: one `info` log line every
//   ten seconds while a run lasts, so a long run is never silent and a short one adds nothing.
//
// The rate is measured over the last ten seconds; the calls still to come are those known (the
// batches read and planned so far) plus, for the groups whose batch has not started, as many per
// group as the started ones needed — so the total is an estimate (`~`) until the last batch starts.
import type { Logger } from '../log/logger.js';
import type { ProgressListener, RunProgress } from '../reconcile/progress.js';
import { formatDuration } from '../report/format.js';
import type { CliContext } from './context.js';
import { createStyle, type Style } from './style.js';

/** Window the rate is measured over, and the interval of progress log lines. */
const PROGRESS_LOG_INTERVAL_MS = 10_000;
/** A run shorter than this shows no live line. */
const LIVE_LINE_DELAY_MS = 1000;
/** Redraw interval of the live line. */
const REDRAW_MS = 200;

export interface ProgressFigures {
  /** `done` counts the groups of the batch in progress by the share of its calls made (`estimated`). */
  groups: { done: number; total: number; estimated: boolean };
  calls: { finished: number; failed: number; total: number; estimated: boolean };
  /** Calls per second over the last window (null: not measurable yet). */
  rate: number | null;
  /** Milliseconds left at that rate (null: unknown). */
  etaMs: number | null;
  /** The run is over. */
  done: boolean;
}

interface Sample {
  at: number;
  finished: number;
}

/** Turns progress snapshots into figures: a rate over a sliding window and the time left. */
export class ProgressMeter {
  readonly #samples: Sample[] = [];
  readonly #windowMs: number;
  /** Groups started and calls finished when the batch in progress started. */
  #batch = { started: 0, finishedAtStart: 0 };

  constructor(windowMs = PROGRESS_LOG_INTERVAL_MS) {
    this.#windowMs = windowMs;
  }

  /** Hears every snapshot (cheap): notes where each batch starts. */
  observe(p: RunProgress): void {
    if (p.groups.started !== this.#batch.started) this.#batch = { started: p.groups.started, finishedAtStart: p.calls.done + p.calls.failed };
  }

  figures(p: RunProgress, now: number): ProgressFigures {
    const finished = p.calls.done + p.calls.failed;
    this.#samples.push({ at: now, finished });
    while (this.#samples.length > 2 && now - this.#samples[1]!.at >= this.#windowMs) this.#samples.shift();
    const first = this.#samples[0]!;
    const span = now - first.at;
    const rate = span >= 500 ? ((finished - first.finished) * 1000) / span : null;

    const unstarted = Math.max(0, p.groups.total - p.groups.started);
    const perGroup = p.groups.started > 0 ? p.calls.planned / p.groups.started : 0;
    const total = Math.max(finished, Math.round(p.calls.planned + perGroup * unstarted));
    const left = total - finished;
    const allDone = p.finished || (p.groups.total > 0 && p.groups.done === p.groups.total);
    // Every known call made but groups left: the last batch is being settled, or the next one read.
    const etaMs = allDone || (left === 0 && p.groups.started === p.groups.total) ? 0 : left > 0 && rate !== null && rate > 0 ? (left / rate) * 1000 : null;
    // The batch in progress: its groups count by the share of its calls made so far.
    const inBatch = p.groups.started - p.groups.done;
    const batchCalls = p.calls.planned - this.#batch.finishedAtStart;
    const share = inBatch > 0 && batchCalls > 0 ? Math.min(1, (finished - this.#batch.finishedAtStart) / batchCalls) : 0;
    return {
      groups: { done: p.groups.done + Math.floor(inBatch * share), total: p.groups.total, estimated: inBatch > 0 && share > 0 },
      calls: { finished, failed: p.calls.failed, total, estimated: unstarted > 0 },
      rate,
      etaMs,
      done: allDone,
    };
  }
}

/** "groups 1,200/5,000 · calls 1,340/~5,600 (3 failed) · 95/s · 45s left" */
export function progressText(f: ProgressFigures, style?: Style): string {
  const b = style?.bold ?? ((s: string) => s);
  const n = (x: number) => x.toLocaleString('en');
  const parts = [
    `groups ${f.groups.estimated ? '~' : ''}${b(n(f.groups.done))}/${n(f.groups.total)}`,
    `calls ${b(n(f.calls.finished))}/${f.calls.estimated ? '~' : ''}${n(f.calls.total)}${f.calls.failed > 0 ? ` (${n(f.calls.failed)} failed)` : ''}`,
    f.rate === null ? '…/s' : `${f.rate >= 10 ? Math.round(f.rate) : Math.round(f.rate * 10) / 10}/s`,
    f.done ? 'done' : f.etaMs === null ? 'time left unknown' : f.etaMs === 0 ? 'finishing' : `${formatDuration(Math.ceil(f.etaMs / 1000) * 1000)} left`,
  ];
  return parts.join(' · ');
}

export interface ProgressLog {
  listener: ProgressListener;
  /** Stops the timer (the command is ending). */
  stop(): RunProgress | undefined;
}

/**
 * Logs long runs' progress: one `info` line per interval while a run lasts — on a timer, so a run
 * waiting on calls that never answer is not silent either (serve, and CLI runs off a terminal).
 */
export function progressLog(logger: Logger, options: { intervalMs?: number; now?: () => number } = {}): ProgressLog {
  const interval = options.intervalMs ?? PROGRESS_LOG_INTERVAL_MS;
  const now = options.now ?? Date.now;
  let last: RunProgress | undefined;
  let meter = new ProgressMeter(interval);
  let timer: NodeJS.Timeout | undefined;
  const tick = () => {
    if (!last) return;
    const p = last;
    const f = meter.figures(p, now());
    logger.info(
      {
        runId: p.runId,
        trigger: p.trigger,
        mode: p.mode,
        groups: f.groups,
        calls: { done: p.calls.done, failed: p.calls.failed, total: f.calls.total, estimated: f.calls.estimated },
        rate: f.rate === null ? null : Math.round(f.rate * 10) / 10,
        etaMs: f.etaMs === null ? null : Math.round(f.etaMs),
      },
      `run in progress: ${progressText(f)}`,
    );
  };
  const stopTimer = () => {
    clearInterval(timer);
    timer = undefined;
  };
  return {
    listener(p) {
      if (p.runId !== last?.runId) {
        meter = new ProgressMeter(interval);
        meter.figures({ ...p, calls: { ...p.calls, done: 0, failed: 0 } }, p.startedAt.getTime());
        stopTimer();
      }
      meter.observe(p);
      last = p;
      if (p.finished) stopTimer();
      else if (!timer) {
        timer = setInterval(tick, interval);
        timer.unref();
      }
    },
    stop() {
      stopTimer();
      return last;
    },
  };
}

interface LiveLine {
  listener: ProgressListener;
  /** Erases the line (call before printing anything); later redraws bring it back. */
  clear(): void;
  /** Erases the line for good; returns the last progress heard. */
  stop(): RunProgress | undefined;
}

/** The live progress line on a terminal (`out` is stderr). */
function liveLine(out: NodeJS.WritableStream & { columns?: number }, style: Style, options: { label: string; now?: () => number }): LiveLine {
  const now = options.now ?? Date.now;
  const started = now();
  const meter = new ProgressMeter();
  let last: RunProgress | undefined;
  let drawn = false;
  const clear = () => {
    if (drawn) out.write('\r\x1b[K');
    drawn = false;
  };
  const draw = () => {
    if (!last || now() - started < LIVE_LINE_DELAY_MS) return;
    const text = `${style.cyan(options.label)}  ${progressText(meter.figures(last, now()), style)}`;
    // Never wider than the terminal: a wrapped line cannot be redrawn in place.
    const width = out.columns !== undefined && out.columns > 0 ? out.columns : 80;
    const visible = text.replace(/\x1b\[[0-9;]*m/g, '');
    out.write(`\r\x1b[K${visible.length >= width ? visible.slice(0, width - 1) : text}`);
    drawn = true;
  };
  const timer = setInterval(draw, REDRAW_MS);
  timer.unref();
  return {
    listener: (p) => {
      meter.observe(p);
      last = p;
    },
    clear,
    stop() {
      clearInterval(timer);
      clear();
      return last;
    },
  };
}

export interface RunProgressDisplay {
  listener: ProgressListener;
  /** Ends the display (erases the live line); returns the last progress heard. */
  stop(): RunProgress | undefined;
}

/** The progress of a one-shot command's run: a live line on a terminal (human logs), log lines otherwise. */
export function showRunProgress(ctx: CliContext, label: string): RunProgressDisplay {
  if (ctx.terminal && ctx.config().logFormat !== 'json') {
    const line = liveLine(ctx.stderr, createStyle(ctx.color('stderr')), { label });
    ctx.beforeLog = line.clear;
    return {
      listener: line.listener,
      stop() {
        ctx.beforeLog = undefined;
        return line.stop();
      },
    };
  }
  return progressLog(ctx.logger());
}
