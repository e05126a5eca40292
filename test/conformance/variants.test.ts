/**
 * The proof that the suite is right: the reference implementation passes everything, correct variations pass,
 * and every planted defect is caught by the check meant for it — and by nothing else.
 */
import { describe, expect, it } from 'vitest';
import { exitCodeFor } from '../../conformance/index.js';
import { runConformance } from '../../conformance/index.js';
import { API_KEY, idsWith, referenceOptions, runAgainstReference, withReference } from './helpers.js';
import { DEFECTS, MATERIAL_WITHOUT_FILES, type Defect } from './reference-server.js';

describe('a correct implementation passes', () => {
  it('the reference implementation passes every check, nothing skipped', async () => {
    const report = await runAgainstReference({});
    expect(idsWith(report, 'fail')).toEqual([]);
    expect(report.summary).toEqual({ passed: report.results.length, failed: 0, warnings: 0, skipped: 0 });
    expect(report.results.length).toBeGreaterThanOrEqual(25);
    expect(exitCodeFor(report)).toBe(0);
  });

  it.each(['403-instead-of-401', 'empty-description', 'no-type', 'query-links', 'unicode-names', 'echoes-presented-key'] as const)(
    '%s passes every check',
    async (variation) => {
      const report = await runAgainstReference({ variation });
      expect(idsWith(report, 'fail')).toEqual([]);
      expect(report.summary.skipped).toBe(0);
    },
  );

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
  // Every near miss carries the header too, and gets the same misleading empty list.
  'bad-key-empty-200': ['auth.key-elsewhere', 'auth.near-miss-key', 'auth.wrong-key'],
  // The query-string and bearer near misses carry no key header either: redirected too.
  'login-redirect': [
    'auth.key-elsewhere',
    'auth.missing-key',
    'auth.no-login-redirect',
    'links.download-key-elsewhere',
    'links.download-missing-key',
  ],
  'no-auth': ['auth.key-elsewhere', 'auth.missing-key', 'auth.near-miss-key', 'auth.wrong-key'],
  'missing-description': ['listing.schema'],
  'empty-file-name': ['listing.schema'],
  'relative-link': ['listing.schema'],
  // A link elsewhere is not downloaded, so nothing is: both fail.
  'foreign-link': ['links.download', 'links.same-origin'],
  'data-not-array': ['listing.schema'],
  'html-body': ['listing.content-type', 'listing.json'],
  'download-ignores-key': [
    'links.download-key-elsewhere',
    'links.download-missing-key',
    'links.download-near-miss-key',
    'links.download-wrong-key',
  ],
  'download-500': ['links.download'],
  'download-no-content-type': ['links.download'],
  'revision-ignored': ['revision.differs', 'unknown.revision-empty'],
  'empty-revision-500': ['revision.empty'],
  // Array-style materialId[] leaves materialId missing too, so the same crash shows there.
  'missing-material-500': ['input.hostile-repeated', 'input.missing-material'],
  'stack-trace-on-traversal': ['input.hostile-traversal'],
  // Every 400 echoes the key: the missing, empty and array-style materialId requests; and the run-wide check.
  'key-echo': ['auth.key-never-returned', 'input.empty-material', 'input.hostile-repeated', 'input.missing-material'],
  'crlf-500': ['input.hostile-crlf'],
  'repeated-500': ['input.hostile-repeated'],
  slow: ['latency.p95'],
  'key-in-401-body': ['auth.key-never-returned'],
  'key-in-debug-header': ['auth.key-never-returned'],
  'key-base64-cookie': ['auth.key-never-returned'],
  'key-part-in-error': ['auth.key-never-returned'],
  'links-other-port': ['links.download', 'links.same-origin'],
  'links-https-on-http': ['links.download', 'links.same-origin'],
  'key-prefix-accepted': ['auth.near-miss-key', 'links.download-near-miss-key'],
  'key-case-insensitive': ['auth.near-miss-key', 'links.download-near-miss-key'],
  'key-startswith': ['auth.key-elsewhere', 'links.download-key-elsewhere'],
  'key-in-query-accepted': ['auth.key-elsewhere', 'links.download-key-elsewhere'],
  // Comparing 8 characters also lets "the key with a character added" through.
  'download-compares-8-chars': ['links.download-key-elsewhere', 'links.download-near-miss-key'],
  'download-html-page': ['links.download'],
  'download-json-error': ['links.download'],
  'download-cut': ['links.download'],
  'download-wrong-signature': ['links.file-signature'],
  'download-other-name': ['links.content-disposition'],
  'listing-bad-encoding': ['listing.status'],
  'listing-reset': ['listing.status'],
  'listing-bom': ['json.no-bom'],
};

/** Defects a Jakamo user does not feel: SHOULD warnings, exit code 0. */
const WARNING_ONLY = new Set<Defect>([
  'slow',
  'key-startswith',
  'key-in-query-accepted',
  'download-wrong-signature',
  'download-other-name',
  'listing-bom',
]);

const runDefect = (defect: Defect) => runAgainstReference({ defect, slowMs: 80 }, defect === 'slow' ? { latencyBudgetMs: 40 } : {});

describe('every planted defect is caught by the right check, and only by it', () => {
  it('covers at least forty defects', () => {
    expect(DEFECTS.length).toBeGreaterThanOrEqual(40);
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

  it("a 404 for an unknown material is explained in Jakamo's terms", async () => {
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

  it('links on another origin are never sent the key, and a run that downloads nothing fails saying why', async () => {
    const report = await runDefect('foreign-link');
    expect(idsWith(report, 'skip')).toEqual([
      'links.content-disposition',
      'links.download-key-elsewhere',
      'links.download-missing-key',
      'links.download-near-miss-key',
      'links.download-wrong-key',
      'links.file-signature',
    ]);
    const origin = report.results.find((r) => r.id === 'links.same-origin')!;
    expect(origin.message).toMatch(/Jakamo sends the API key to every link.*--allow-link-origin/);
    expect(report.results.find((r) => r.id === 'links.download')?.message).toMatch(
      /no link could be downloaded.*name an item that has files/,
    );
  });

  it('links on an origin declared with allowLinkOrigins are downloaded with the key and pass', async () => {
    const report = await withReference({ defect: 'foreign-link' }, (server) => {
      const other = new URL(server.url);
      other.hostname = 'localhost';
      return runConformance(referenceOptions(server.url, { allowLinkOrigins: [other.origin] }));
    });
    expect(report.results.filter((r) => r.status !== 'pass').map((r) => `${r.id}: ${r.message}`)).toEqual([]);
    expect(report.results.find((r) => r.id === 'links.download')?.message).toMatch(/^2 link\(s\) download whole with the key/);
  });

  it('a material without files fails the run, telling the user to name one that has files', async () => {
    const report = await runAgainstReference({}, { material: MATERIAL_WITHOUT_FILES, revision: undefined, otherRevision: undefined });
    const download = report.results.find((r) => r.id === 'links.download')!;
    expect(download).toMatchObject({ status: 'fail', severity: 'MUST' });
    expect(download.message).toMatch(/has no files, so no download was tested; name an item that has files with --material/);
    expect(exitCodeFor(report)).toBe(1);
  });

  it('names the encoding of a key shown in part, base64 or in a header', async () => {
    const messages = await Promise.all(
      (['key-part-in-error', 'key-base64-cookie', 'key-in-debug-header'] as const).map(async (defect) =>
        (await runDefect(defect)).results.find((r) => r.id === 'auth.key-never-returned')!,
      ),
    );
    expect(messages.map((r) => r.message)).toEqual([
      expect.stringMatching(
        /show the API key, e\.g\. GET \/materials\/documents → 401, .*your server shows your Jakamo API key to anyone who asks/,
      ),
      expect.stringMatching(/show the API key \(base64\)/),
      expect.stringMatching(/show the API key, e\.g\./),
    ]);
    for (const result of messages) expect(JSON.stringify(result)).not.toContain(API_KEY.slice(0, 16));
  });

  it('a body that cannot be decoded, or is cut, fails its check (exit 1), not "cannot run"', async () => {
    const encoded = await runDefect('listing-bad-encoding');
    expect(encoded.results.find((r) => r.id === 'listing.status')?.message).toMatch(/cannot be decoded as its Content-Encoding says/);
    const cut = await runDefect('download-cut');
    expect(cut.results.find((r) => r.id === 'links.download')?.message).toMatch(
      /File1\.pdf: no complete answer: the server closed the connection before the answer was complete/,
    );
  });

  it('an HTML page where a file was promised is "Could not download file."', async () => {
    const result = (await runDefect('download-html-page')).results.find((r) => r.id === 'links.download')!;
    expect(result.message).toMatch(
      /an HTML page \(text\/html; charset=UTF-8\) instead of the file — a login or error page saved as File1\.pdf/,
    );
    expect(result.jakamoUserSees).toBe('"Could not download file."');
  });
});

describe('no check can be hung by a server body', () => {
  // 300,000 newlines in every error answer: the old stack-trace pattern (\n\s+at …) took minutes on this. Each check
  // has a budget of 10 requests of --timeout; one that hogs the CPU past it fails however it ends, so a pass is the proof.
  it("error answers of 300,000 newlines are judged within every check's budget", async () => {
    const report = await runAgainstReference({ variation: 'newline-flood' }, { timeoutMs: 2000, only: ['input.*', 'revision.empty'] });
    expect(report.results.filter((r) => r.status !== 'pass').map((r) => `${r.id}: ${r.message}`)).toEqual([]);
    expect(report.results.find((r) => r.id === 'input.missing-material')?.response?.bodyBytes).toBe(300_000);
  });
});
