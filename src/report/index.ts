// Drift reports: load a run from the database, render it in one of four formats.
import { renderHtml } from './render-html.js';
import { renderJson } from './render-json.js';
import { renderMarkdown } from './render-markdown.js';
import { renderText, type TextOptions } from './render-text.js';
import type { RunReport } from './types.js';

export type { RunSummary } from './load.js';
export type * from './types.js';

export const REPORT_FORMATS = ['text', 'json', 'md', 'html'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** `options` apply to the text format (the one shown on a terminal). */
export function renderReport(report: RunReport, format: ReportFormat, options: TextOptions = {}): string {
  switch (format) {
    case 'text':
      return renderText(report, options);
    case 'json':
      return renderJson(report);
    case 'md':
      return renderMarkdown(report);
    case 'html':
      return renderHtml(report);
  }
}
