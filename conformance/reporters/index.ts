import type { Report } from '../types.js';
import { renderHtml, renderHtmlCannotRun } from './html.js';
import { renderJson } from './json.js';
import { renderJunit, renderJunitCannotRun } from './junit.js';
import { renderPretty } from './pretty.js';

export const REPORTERS = ['pretty', 'json', 'junit', 'html'] as const;
export type ReporterName = (typeof REPORTERS)[number];

export interface RenderOptions {
  /** SHOULD failures are failures, not warnings. */
  strict?: boolean;
  /** pretty only. */
  color?: boolean;
  /** pretty only: failures and warnings, then the summary. */
  problemsOnly?: boolean;
}

export function renderReport(report: Report, reporter: ReporterName, options: RenderOptions = {}): string {
  if (reporter === 'json') return renderJson(report);
  if (reporter === 'junit') return renderJunit(report, options);
  if (reporter === 'html') return renderHtml(report, options);
  return renderPretty(report, options);
}

/** The report when the suite could not run (`reason`, e.g. "cannot run: cannot reach …"), so CI still finds a file. */
export function renderCannotRun(reason: string, reporter: ReporterName): string {
  if (reporter === 'json')
    return `${JSON.stringify({ cannotRun: reason, summary: { passed: 0, failed: 0, warnings: 0, skipped: 0 }, results: [] }, null, 2)}\n`;
  if (reporter === 'junit') return renderJunitCannotRun(reason);
  if (reporter === 'html') return renderHtmlCannotRun(reason);
  return `jakamo-kit check could not run: ${reason}\n`;
}
