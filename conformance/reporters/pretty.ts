/** Human output: checks grouped by area, failures explained, a summary at the end. Colour only when asked for. */
import { createColors } from 'picocolors';
import type { CheckResult, Report } from '../types.js';
import { AREAS, failureDetails, groupByArea, isWarning, summaryLine } from './details.js';

export interface PrettyOptions {
  strict?: boolean;
  color?: boolean;
  /** Only failures and warnings, then the summary (used when the full report goes to a file). */
  problemsOnly?: boolean;
}

export function renderPretty(report: Report, options: PrettyOptions = {}): string {
  const c = createColors(options.color ?? false);
  const strict = options.strict ?? false;
  const shown = options.problemsOnly ? report.results.filter((r) => r.status === 'fail') : report.results;
  const width = Math.max(0, ...shown.map((r) => r.id.length)) + 2;
  const label = (result: CheckResult) => {
    if (result.status === 'pass') return c.green('PASS');
    if (result.status === 'skip') return c.dim('SKIP');
    return isWarning(result, strict) ? c.yellow('WARN') : c.red(c.bold('FAIL'));
  };
  const lines: string[] = [];
  for (const [area, results] of groupByArea(shown)) {
    lines.push('', c.bold(AREAS[area] ?? area));
    for (const result of results) {
      const severity = result.severity === 'SHOULD' ? c.dim(' (SHOULD)') : '';
      lines.push(`  ${label(result)}  ${result.id.padEnd(width)}${printable(result.message)}${severity}`);
      if (result.status !== 'fail') continue;
      for (const detail of failureDetails(result)) lines.push(`        ${c.dim(`${detail.label}:`)} ${printable(detail.text)}`);
    }
  }
  const summary = summaryLine(report.summary);
  const colored = report.summary.failed > 0 ? c.red(summary) : report.summary.warnings > 0 ? c.yellow(summary) : c.green(summary);
  lines.push('', c.bold(colored), '');
  return lines.join('\n');
}

/** Text from the server goes to a terminal: control characters (escape sequences, CR) are shown, not obeyed. */
function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (ch) =>
    ch === '\r' ? '\\r' : ch === '\n' ? '\\n' : ch === '\t' ? ' ' : `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
