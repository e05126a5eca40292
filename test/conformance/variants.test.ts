/**
 * The proof that the suite is right: the reference implementation passes everything, correct variations pass,
 * and every planted defect is caught by the check meant for it — and by nothing else.
 */
import { describe, expect, it } from 'vitest';
import { exitCodeFor } from '../../conformance/index.js';
import { API_KEY, idsWith, runAgainstReference } from './helpers.js';
import { DEFECTS, type Defect } from './reference-server.js';

describe('a correct implementation passes', () => {
  it('the reference implementation passes every check, nothing skipped', async () => {
    const report = await runAgainstReference({});
    expect(idsWith(report, 'fail')).toEqual([]);
    expect(report.summary).toEqual({ passed: report.results.length, failed: 0, warnings: 0, skipped: 0 });
    expect(report.results.length).toBeGreaterThanOrEqual(25);
    expect(exitCodeFor(report)).toBe(0);
  });

  it.each(['403-instead-of-401', 'empty-description', 'no-type'] as const)('%s passes every check', async (variation) => {
    const report = await runAgainstReference({ variation });
    expect(idsWith(report, 'fail')).toEqual([]);
    expect(report.summary.skipped).toBe(0);
  });

  it('a custom key header passes when the suite is told its name', async () => {
    const report = await runAgainstReference({ apiKeyHeader: 'X-Jakamo-Key' });
    expect(idsWith(report, 'fail')).toEqual([]);
  });

  it('without --other-revision only revision.differs is skipped, with a hint', async () => {
    const report = await runAgainstReference({}, { otherRevision: undefined });
    expect(idsWith(report, 'skip')).toEqual(['revision.differs']);
    expect(report.results.find((r) => r.id === 'revision.differs')?.message).toMatch(/--other-revision/);
  });

  it('without --revision the latest is listed and checked', async () => {
    const report = await runAgainstReference({}, { revision: undefined });
    expect(idsWith(report, 'fail')).toEqual([]);
    expect(report.results.find((r) => r.id === 'listing.status')?.request?.url).not.toContain('revision');
  });
});

/** Each defect → the checks that must fail (MUST and SHOULD alike); every other check must not fail. */
const CAUGHT_BY: Record<Defect, string[]> = {
  'unknown-404': ['unknown.empty-list'],
  'bad-key-empty-200': ['auth.wrong-key'],
  'login-redirect': ['auth.missing-key', 'auth.no-login-redirect', 'links.download-missing-key'],
  'no-auth': ['auth.missing-key', 'auth.wrong-key'],
  'missing-description': ['listing.schema'],
  'empty-file-name': ['listing.schema'],
  'relative-link': ['listing.schema'],
  'foreign-link': ['links.same-origin'],
  'data-not-array': ['listing.schema'],
  'html-body': ['listing.content-type', 'listing.json'],
  'download-ignores-key': ['links.download-missing-key', 'links.download-wrong-key'],
  'download-500': ['links.download'],
  'download-no-content-type': ['links.download'],
  'revision-ignored': ['revision.differs', 'unknown.revision-empty'],
  'empty-revision-500': ['revision.empty'],
  // Array-style materialId[] leaves materialId missing too, so the same crash shows there.
  'missing-material-500': ['input.hostile-repeated', 'input.missing-material'],
  'stack-trace-on-traversal': ['input.hostile-traversal'],
  // Every 400 echoes the key: the missing, empty and array-style materialId requests.
  'key-echo': ['input.empty-material', 'input.hostile-repeated', 'input.missing-material'],
  'crlf-500': ['input.hostile-crlf'],
  'repeated-500': ['input.hostile-repeated'],
  slow: ['latency.p95'],
};

/** Defects a Jakamo user does not feel: SHOULD warnings, exit code 0. */
const WARNING_ONLY = new Set<Defect>(['slow', 'foreign-link']);

const runDefect = (defect: Defect) => runAgainstReference({ defect, slowMs: 80 }, defect === 'slow' ? { latencyBudgetMs: 40 } : {});

describe('every planted defect is caught by the right check, and only by it', () => {
  it('covers at least twelve defects', () => {
    expect(DEFECTS.length).toBeGreaterThanOrEqual(12);
    expect(Object.keys(CAUGHT_BY).sort()).toEqual([...DEFECTS].sort());
  });

  it.each(DEFECTS)('%s', async (defect) => {
    const report = await runDefect(defect);
    expect(idsWith(report, 'fail')).toEqual(CAUGHT_BY[defect]);
    for (const result of report.results.filter((r) => r.status === 'fail')) {
      expect(result.jakamoUserSees, result.id).toBeTruthy();
      expect(result.why, result.id).toMatch(/v1|v2|spec\//);
    }
    expect(exitCodeFor(report)).toBe(WARNING_ONLY.has(defect) ? 0 : 1);
    expect(JSON.stringify(report)).not.toContain(API_KEY);
  });

  it('the slow server is a warning, and a failure under strict', async () => {
    const report = await runAgainstReference({ defect: 'slow', slowMs: 80 }, { latencyBudgetMs: 40, only: ['latency.p95'] });
    expect(report.summary).toMatchObject({ failed: 0, warnings: 1 });
    expect(exitCodeFor(report)).toBe(0);
    const strict = await runAgainstReference({ defect: 'slow', slowMs: 80 }, { latencyBudgetMs: 40, only: ['latency.p95'], strict: true });
    expect(strict.summary).toMatchObject({ failed: 1, warnings: 0 });
    expect(exitCodeFor(strict)).toBe(1);
  });

  it('a 404 for an unknown material is explained in Jakamo\'s terms', async () => {
    const report = await runDefect('unknown-404');
    const result = report.results.find((r) => r.id === 'unknown.empty-list')!;
    expect(result.message).toMatch(/generic error instead of "No files found for this item number!"/);
    expect(result.jakamoUserSees).toContain('Unable to display files at this time. Try again later.');
    expect(result.response?.status).toBe(404);
  });

  it('an empty 200 for a bad key is called misleading, and shows what the user sees', async () => {
    const report = await runDefect('bad-key-empty-200');
    const result = report.results.find((r) => r.id === 'auth.wrong-key')!;
    expect(result.message).toMatch(/misleading/);
    expect(result.jakamoUserSees).toContain('No files found for this item number!');
  });

  it('a failed download tells what Jakamo shows', async () => {
    const report = await runDefect('download-500');
    expect(report.results.find((r) => r.id === 'links.download')?.jakamoUserSees).toBe('"Could not download file."');
  });

  it('links on another origin are never sent the key', async () => {
    const report = await runDefect('foreign-link');
    expect(idsWith(report, 'skip')).toEqual(['links.download', 'links.download-missing-key', 'links.download-wrong-key']);
  });
});
