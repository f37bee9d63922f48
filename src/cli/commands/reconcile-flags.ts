// Flags shared by `plan` and `apply`, and the printing of a run's outcome.
import type { Command } from 'commander';
import { loadRunReport, renderReport } from '../../report/index.js';
import type { RunResult } from '../../reconcile/run.js';
import type { PrismaClient } from '../../generated/prisma/client.js';

export interface ScopeFlags {
  group?: string[];
  full?: boolean;
}

export function addScopeFlags(cmd: Command): Command {
  return cmd
    .option('--group <id...>', 'only these groups (read from RongCloud first)')
    .option('--full', 'every group, each read from RongCloud first (verifies everything now)');
}

export function scopeOf(flags: ScopeFlags): { groups?: string[]; full?: boolean } {
  return {
    ...(flags.group && flags.group.length > 0 ? { groups: flags.group } : {}),
    ...(flags.full ? { full: true } : {}),
  };
}

/** The run's drift report as text (the same renderer as `rongsync report`). */
export async function reportText(prisma: PrismaClient, result: RunResult): Promise<string> {
  const report = await loadRunReport(prisma, result.runId);
  return report ? renderReport(report, 'text') : `run ${result.runId}: no report\n`;
}
