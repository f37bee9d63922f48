// JSON report: exactly the RunReport shape (rongsync.report/v1, documented in
// docs/report-format.md), pretty-printed. Key order follows the loader, so output is stable.
import type { RunReport } from './types.js';

export function renderJson(report: RunReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
