// Per-path request counts and the recent-calls ring. The ring is bounded by both records and
// retained parameter values, so a run of 1000-id joins cannot hold gigabytes of ids.
import type { CallRecord } from './types.js';

const MAX_RECORDS = 100_000;
const MAX_VALUES = 5_000_000;

export class CallLog {
  private records: CallRecord[] = [];
  private head = 0;
  private values = 0;
  private seq = 0;
  private perPath = new Map<string, number>();
  private total = 0;

  constructor(
    private readonly maxRecords = MAX_RECORDS,
    private readonly maxValues = MAX_VALUES,
  ) {}

  /** Counts a request that reached a handler or a fault; returns its sequence number. */
  begin(path: string): number {
    this.total++;
    this.perPath.set(path, (this.perPath.get(path) ?? 0) + 1);
    return ++this.seq;
  }

  record(call: CallRecord): void {
    this.records.push(call);
    this.values += valueCount(call);
    while (this.records.length - this.head > this.maxRecords || (this.values > this.maxValues && this.records.length - this.head > 1)) {
      this.values -= valueCount(this.records[this.head]!);
      this.head++;
    }
    // Compact once the dropped prefix dominates, keeping push amortised O(1).
    if (this.head > 1024 && this.head * 2 > this.records.length) {
      this.records = this.records.slice(this.head);
      this.head = 0;
    }
  }

  counts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [p, n] of this.perPath) out[p] = n;
    out.total = this.total;
    return out;
  }

  /** Calls with seq > since, oldest first. Records are completed out of order (latency), so sort. */
  calls(since = 0): CallRecord[] {
    const out: CallRecord[] = [];
    for (let i = this.head; i < this.records.length; i++) {
      const r = this.records[i]!;
      if (r.seq > since) out.push(r);
    }
    return out.sort((a, b) => a.seq - b.seq);
  }

  reset(): void {
    this.records = [];
    this.head = 0;
    this.values = 0;
    this.seq = 0;
    this.perPath.clear();
    this.total = 0;
  }
}

function valueCount(call: CallRecord): number {
  let n = 1;
  for (const k in call.params) n += call.params[k]!.length;
  return n;
}
