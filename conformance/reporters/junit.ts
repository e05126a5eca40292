/**
 * JUnit XML for CI: one testsuite, one testcase per check. MUST failures (and SHOULD failures under strict) are
 * <failure>; a SHOULD failure otherwise is a warning in <system-out>, so CI and the exit code agree; skips are <skipped>.
 */
import type { CheckResult, Report } from '../types.js';
import { failureDetails, isWarning } from './details.js';

const SUITE = 'jakamo-kit check';

export function renderJunit(report: Report, options: { strict?: boolean } = {}): string {
  const strict = options.strict ?? false;
  const failures = report.results.filter((r) => r.status === 'fail' && !isWarning(r, strict)).length;
  const skipped = report.results.filter((r) => r.status === 'skip').length;
  const seconds = (ms: number) => (ms / 1000).toFixed(3);
  const time = seconds(report.results.reduce((sum, r) => sum + r.durationMs, 0));
  const counts = `tests="${report.results.length}" failures="${failures}" errors="0" skipped="${skipped}" time="${time}"`;
  const cases = report.results.map((result) => testcase(result, strict, seconds(result.durationMs)));
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${SUITE}" ${counts}>`,
    `  <testsuite name="${SUITE}" ${counts}>`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

/** One failing testcase naming why the suite could not run: CI shows a red test, not a missing file. */
export function renderJunitCannotRun(reason: string): string {
  const counts = 'tests="1" failures="1" errors="0" skipped="0" time="0.000"';
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${SUITE}" ${counts}>`,
    `  <testsuite name="${SUITE}" ${counts}>`,
    `    <testcase classname="jakamo-kit.run" name="jakamo-kit check could not run" time="0.000">`,
    `      <failure message="${xml(reason)}" type="CANNOT_RUN">${xml(reason)}</failure>`,
    '    </testcase>',
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

function testcase(result: CheckResult, strict: boolean, time: string): string {
  const area = result.id.split('.')[0];
  const open = `    <testcase classname="jakamo-kit.${xml(area ?? '')}" name="${xml(`${result.id} (${result.severity}): ${result.title}`)}" time="${time}"`;
  const details = () => xml([result.message, ...failureDetails(result).map((line) => `${line.label}: ${line.text}`)].join('\n'));
  if (result.status === 'pass') return `${open}/>`;
  if (result.status === 'skip') return `${open}>\n      <skipped message="${xml(result.message)}"/>\n    </testcase>`;
  if (isWarning(result, strict)) return `${open}>\n      <system-out>WARNING (SHOULD): ${details()}</system-out>\n    </testcase>`;
  return `${open}>\n      <failure message="${xml(result.message)}" type="${result.severity}">${details()}</failure>\n    </testcase>`;
}

/** Escapes text for XML attributes and content, dropping characters XML 1.0 cannot carry at all. */
export function xml(text: string): string {
  return text
    .replace(/[^\u0009\u000A\u000D\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}
