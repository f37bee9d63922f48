// Seeded fault injection. One mulberry32 stream drives every random choice, and each request
// draws a fixed number of values for a given config (one for the fault, one for jitter), so the
// same seed, config and request order always give the same faults. A rate-limit burst is a
// counter, not random, and draws nothing; neither does `applyUnanswered`, which only says whether a
// timeout / reset fault processes the call before dropping the answer (so flipping it never
// changes which requests are faulted).
import { z } from 'zod';
import { EmulatorError } from './errors.js';
import type { FaultConfig } from './types.js';

const rate = z.number().min(0).max(1);
const ms = z.number().int().min(0).max(600_000);

const faultConfigSchema = z
  .strictObject({
    latencyMs: ms.optional(),
    jitterMs: ms.optional(),
    errorRate: rate.optional(),
    errorStatus: z.union([z.literal(400), z.number().int().min(500).max(599)]).optional(),
    timeoutRate: rate.optional(),
    resetRate: rate.optional(),
    applyUnanswered: z.boolean().optional(),
    rateLimitBurst: z
      .strictObject({
        count: z.number().int().min(0),
        retryAfterSeconds: z.number().int().min(0).max(3600).optional(),
      })
      .optional(),
    paths: z.array(z.string().startsWith('/')).optional(),
  })
  .refine((f) => (f.errorRate ?? 0) + (f.timeoutRate ?? 0) + (f.resetRate ?? 0) <= 1, {
    message: 'errorRate + timeoutRate + resetRate must not exceed 1',
  });

/** Validates a FaultConfig from any source; the error names each bad field. */
function parseFaultConfig(input: unknown): FaultConfig {
  const r = faultConfigSchema.safeParse(input);
  // A field given as undefined is a field not given.
  if (r.success) return Object.fromEntries(Object.entries(r.data).filter(([, v]) => v !== undefined));
  const problems = r.error.issues.map((i) => `${i.path.join('.') || 'faults'}: ${i.message}`);
  throw new EmulatorError(
    `invalid fault config: ${problems.join('; ')} (e.g. {"errorRate":0.1,"latencyMs":20})`,
  );
}

/** mulberry32: tiny, fast, good enough to pick faults; returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type FaultKind = 'error' | 'timeout' | 'reset' | 'rate-limit-burst';

export interface FaultDecision {
  /** Delay before the answer (or before the reset), ms. */
  delayMs: number;
  kind?: FaultKind;
  /** For 'timeout' and 'reset': process the call before dropping the answer. */
  applied?: boolean;
  /** For 'error' and 'rate-limit-burst'. */
  status?: number;
  code?: number;
  retryAfterSeconds?: number;
}

const NO_FAULT: FaultDecision = { delayMs: 0 };

export class FaultInjector {
  private config: FaultConfig = {};
  private paths: Set<string> | undefined;
  private burstLeft = 0;
  private random: () => number;

  constructor(private readonly seed: number) {
    this.random = mulberry32(seed);
  }

  /** Replaces the config (a new burst replaces what is left of the old one). The PRNG continues. */
  set(config: FaultConfig): void {
    const c = parseFaultConfig(config);
    this.config = c;
    this.paths = c.paths ? new Set(c.paths) : undefined;
    this.burstLeft = c.rateLimitBurst?.count ?? 0;
  }

  /** The config in force, with the burst's remaining count. */
  get(): FaultConfig {
    const c = { ...this.config };
    if (c.rateLimitBurst) c.rateLimitBurst = { ...c.rateLimitBurst, count: this.burstLeft };
    return c;
  }

  /** No faults, PRNG back at the seed. */
  reset(): void {
    this.config = {};
    this.paths = undefined;
    this.burstLeft = 0;
    this.random = mulberry32(this.seed);
  }

  /** What happens to the next request to `path` (an API path). */
  decide(path: string): FaultDecision {
    const c = this.config;
    if (this.paths && !this.paths.has(path)) return NO_FAULT;
    let delayMs = c.latencyMs ?? 0;
    if (c.jitterMs) delayMs += Math.floor(this.random() * c.jitterMs);

    if (this.burstLeft > 0) {
      this.burstLeft--;
      return { delayMs, kind: 'rate-limit-burst', status: 429, code: 1008, retryAfterSeconds: c.rateLimitBurst?.retryAfterSeconds ?? 1 };
    }
    const timeout = c.timeoutRate ?? 0;
    const reset = c.resetRate ?? 0;
    const error = c.errorRate ?? 0;
    if (timeout + reset + error > 0) {
      const u = this.random();
      const applied = c.applyUnanswered ?? true;
      if (u < timeout) return { delayMs, kind: 'timeout', applied };
      if (u < timeout + reset) return { delayMs, kind: 'reset', applied };
      if (u < timeout + reset + error) {
        const status = c.errorStatus ?? 500;
        return { delayMs, kind: 'error', status, code: status === 400 ? 1002 : status === 504 ? 1050 : 1000 };
      }
    }
    return delayMs === 0 ? NO_FAULT : { delayMs };
  }
}
