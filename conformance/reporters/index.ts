import type { Report } from '../types.js';
import { renderJson } from './json.js';
import { renderJunit } from './junit.js';
import { renderPretty } from './pretty.js';

export const REPORTERS = ['pretty', 'json', 'junit'] as const;
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
  return renderPretty(report, options);
}
