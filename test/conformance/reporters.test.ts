/** Reporters: the JSON shape is stable, JUnit is well-formed XML that CI reads, pretty is plain unless colour is asked for. */
import { describe, expect, it } from 'vitest';
import { renderReport, type CheckResult, type Report } from '../../conformance/index.js';
import { API_KEY, runAgainstReference } from './helpers.js';

const result = (overrides: Partial<CheckResult>): CheckResult => ({
  id: 'listing.status',
  severity: 'MUST',
  status: 'pass',
  title: 'The listing answers 200',
  message: '200 with 2 file(s)',
  why: 'v1 §4',
  durationMs: 3,
  ...overrides,
});

/** One of each: pass, MUST failure with awkward characters, SHOULD failure, skip. */
const SAMPLE: Report = {
  summary: { passed: 1, failed: 1, warnings: 1, skipped: 1 },
  results: [
    result({}),
    result({
      id: 'input.hostile-quotes',
      status: 'fail',
      title: 'Quotes & <markup>',
      message: `?materialId="><script> → 500 & 'oops'\r\n\u0001\u001b[31m`,
      jakamoUserSees: '"Unable to display files at this time. Try again later."',
      why: 'v2: 5xx is a server error',
      request: { method: 'GET', url: 'http://127.0.0.1:1/materials/documents?materialId=%22%3E', headers: { 'X-API-KEY': 'sk-l****' } },
      response: { status: 500, headers: { 'content-type': 'text/html' }, body: '<h1>Server Error</h1>', bodyBytes: 21, truncated: false },
    }),
    result({ id: 'latency.p95', severity: 'SHOULD', status: 'fail', message: 'p95 2500 ms', jakamoUserSees: 'A wait', why: 'v1 §2' }),
    result({ id: 'revision.differs', status: 'skip', message: 'give --other-revision' }),
  ],
};

/** Well-formedness without a parser dependency: declaration first, tags balance, no stray markup characters in text. */
function assertWellFormedXml(xml: string): string[] {
  expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n')).toBe(true);
  const body = xml.slice(xml.indexOf('\n') + 1);
  const stack: string[] = [];
  const elements: string[] = [];
  const tag = /<(\/?)([A-Za-z][\w.-]*)((?:\s+[\w.-]+="[^"<]*")*)\s*(\/?)>/g;
  let last = 0;
  for (const match of body.matchAll(tag)) {
    const text = body.slice(last, match.index);
    expect(text, 'text between tags').not.toMatch(/[<>]|&(?!(amp|lt|gt|quot|apos);)/);
    last = match.index + match[0].length;
    const [, closing, name, , selfClosing] = match;
    if (closing) expect(stack.pop()).toBe(name);
    else {
      elements.push(name!);
      if (!selfClosing) stack.push(name!);
    }
  }
  expect(body.slice(last).trim()).toBe('');
  expect(stack).toEqual([]);
  // Characters XML 1.0 forbids outright.
  expect(xml).not.toMatch(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/);
  return elements;
}

describe('json reporter', () => {
  it('has exactly the documented shape', () => {
    const parsed = JSON.parse(renderReport(SAMPLE, 'json'));
    expect(Object.keys(parsed)).toEqual(['summary', 'results']);
    expect(Object.keys(parsed.summary)).toEqual(['passed', 'failed', 'warnings', 'skipped']);
    for (const r of parsed.results) {
      expect(['MUST', 'SHOULD']).toContain(r.severity);
      expect(['pass', 'fail', 'skip']).toContain(r.status);
      expect(typeof r.id).toBe('string');
      expect(typeof r.message).toBe('string');
    }
    expect(parsed.results[1].jakamoUserSees).toBe('"Unable to display files at this time. Try again later."');
  });
});

describe('junit reporter', () => {
  it('is well-formed, one testcase per check, MUST failures as <failure>, skips as <skipped>', () => {
    const xml = renderReport(SAMPLE, 'junit');
    const elements = assertWellFormedXml(xml);
    expect(elements.filter((e) => e === 'testcase')).toHaveLength(4);
    expect(elements.filter((e) => e === 'failure')).toHaveLength(1);
    expect(elements.filter((e) => e === 'skipped')).toHaveLength(1);
    expect(xml).toMatch(/<testsuite name="jakamo-kit check" tests="4" failures="1" errors="0" skipped="1"/);
    expect(xml).toContain('Jakamo user sees: &quot;Unable to display files at this time. Try again later.&quot;');
    expect(xml).toContain('Why: v2: 5xx is a server error');
    expect(xml).toContain('&lt;script&gt; → 500 &amp; &apos;oops&apos;');
  });

  it('shows a SHOULD failure as a warning, and as a failure under strict', () => {
    expect(renderReport(SAMPLE, 'junit')).toMatch(/<system-out>WARNING \(SHOULD\): p95 2500 ms/);
    const strict = renderReport(SAMPLE, 'junit', { strict: true });
    expect(assertWellFormedXml(strict).filter((e) => e === 'failure')).toHaveLength(2);
  });
});

describe('pretty reporter', () => {
  it('is plain text without colour, grouped by area, with the explanation and the summary', () => {
    const text = renderReport(SAMPLE, 'pretty', { color: false });
    expect(text).not.toContain('\u001b');
    // The server's own escape sequence and line breaks are shown, not obeyed.
    expect(text).toContain(`?materialId="><script> → 500 & 'oops'\\r\\n\\u0001\\u001b[31m`);
    expect(text).toMatch(/^Listing\n {2}PASS {2}listing\.status/m);
    expect(text).toMatch(/^Odd and hostile input\n {2}FAIL {2}input\.hostile-quotes/m);
    expect(text).toMatch(/Jakamo user sees: "Unable to display files at this time\. Try again later\."/);
    expect(text).toMatch(/WARN {2}latency\.p95 .*\(SHOULD\)/);
    expect(text).toMatch(/SKIP {2}revision\.differs/);
    expect(text.trim().split('\n').at(-1)).toBe('1 passed, 1 failed, 1 warning, 1 skipped');
  });

  it('colours when asked to', () => {
    expect(renderReport(SAMPLE, 'pretty', { color: true })).toMatch(/\u001b\[3\dm/);
  });

  it('lists only problems when the full report goes to a file', () => {
    const text = renderReport(SAMPLE, 'pretty', { problemsOnly: true });
    expect(text).not.toContain('listing.status');
    expect(text).toContain('input.hostile-quotes');
  });
});

describe('a real report in every format', () => {
  it('never contains the API key, even when the server echoes it', async () => {
    const report = await runAgainstReference({ defect: 'key-echo' });
    for (const reporter of ['pretty', 'json', 'junit'] as const) {
      const text = renderReport(report, reporter, { color: reporter === 'pretty' });
      expect(text).not.toContain(API_KEY);
      expect(text).toContain('input.missing-material');
    }
    assertWellFormedXml(renderReport(report, 'junit'));
  });
});
