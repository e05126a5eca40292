/**
 * Our own adapter (jakamo-kit serve) against the OpenBOM mock, both on real sockets, wired as `serve` wires them,
 * checked by the suite over HTTP like any customer implementation: every MUST passes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runConformance, type Report } from '../../conformance/index.js';
import { startOurAdapter } from './helpers.js';

const KEY = 'conformance-adapter-key-5150';

let adapter: Awaited<ReturnType<typeof startOurAdapter>>;
let report: Report;

beforeAll(async () => {
  adapter = await startOurAdapter(KEY);
  report = await runConformance({ baseUrl: adapter.url, apiKey: KEY, material: '55-554354', revision: '120', otherRevision: '119' });
});

afterAll(() => adapter.close());

describe('our adapter against the conformance suite', () => {
  it('passes every MUST check', () => {
    const mustFailures = report.results.filter((r) => r.severity === 'MUST' && r.status === 'fail');
    expect(mustFailures.map((r) => `${r.id}: ${r.message}`)).toEqual([]);
    expect(report.summary.failed).toBe(0);
  });

  it('runs every check (nothing skipped: the example part has files and two revisions)', () => {
    expect(report.results.filter((r) => r.status === 'skip').map((r) => r.id)).toEqual([]);
  });

  it('never shows the API key in the report', () => {
    expect(JSON.stringify(report)).not.toContain(KEY);
  });
});
