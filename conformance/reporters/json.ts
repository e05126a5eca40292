import type { Report } from '../types.js';

/** The report as documented in conformance/README.md, nothing added. */
export function renderJson(report: Report): string {
  return `${JSON.stringify({ summary: report.summary, results: report.results }, null, 2)}\n`;
}
