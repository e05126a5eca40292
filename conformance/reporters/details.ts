/** The explanation lines every reporter shows for a failed or warned check. */
import type { CheckResult, Summary } from '../types.js';

const BODY_PREVIEW_CHARS = 300;

export interface DetailLine {
  label: string;
  text: string;
}

export function failureDetails(result: CheckResult): DetailLine[] {
  const lines: DetailLine[] = [];
  if (result.jakamoUserSees) lines.push({ label: 'Jakamo user sees', text: result.jakamoUserSees });
  lines.push({ label: 'Why', text: result.why });
  if (result.request) lines.push({ label: 'Sent', text: `${result.request.method} ${result.request.url}` });
  if (result.response) {
    const { status, headers, bodyBytes, truncated, body } = result.response;
    const type = headers['content-type'] ? ` ${headers['content-type']}` : '';
    const location = headers.location ? ` → ${headers.location}` : '';
    lines.push({ label: 'Received', text: `${status}${type}${location}, ${bodyBytes}${truncated ? '+' : ''} bytes` });
    const preview = body.replace(/\s+/g, ' ').trim();
    if (preview)
      lines.push({ label: 'Body', text: preview.length > BODY_PREVIEW_CHARS ? `${preview.slice(0, BODY_PREVIEW_CHARS)}…` : preview });
  }
  return lines;
}

/** Report sections, by the first part of a check id. */
export const AREAS: Record<string, string> = {
  listing: 'Listing',
  revision: 'Revisions',
  unknown: 'Unknown materials and revisions',
  auth: 'Authentication and the API key',
  links: 'Links and downloads',
  input: 'Odd and hostile input',
  latency: 'Latency',
  transport: 'Transport',
  v2: 'Supplier documents (v2)',
  json: 'JSON',
};

export function groupByArea(results: CheckResult[]): Map<string, CheckResult[]> {
  const groups = new Map<string, CheckResult[]>();
  for (const result of results) {
    const area = result.id.split('.')[0] ?? result.id;
    groups.set(area, [...(groups.get(area) ?? []), result]);
  }
  return groups;
}

/** A SHOULD failure that does not fail the run. */
export const isWarning = (result: CheckResult, strict: boolean): boolean =>
  result.status === 'fail' && result.severity === 'SHOULD' && !strict;

export function summaryLine(summary: Summary): string {
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  return `${summary.passed} passed, ${summary.failed} failed, ${plural(summary.warnings, 'warning')}, ${summary.skipped} skipped`;
}
