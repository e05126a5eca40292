/**
 * The proof that the v2 checks are right: a v2 reference implementation passes them all and keeps none of their
 * documents, correct variations pass, and every planted defect is caught by the check meant for it — and by nothing else.
 */
import { describe, expect, it } from 'vitest';
import { exitCodeFor, runConformance, type ConformanceOptions, type Report } from '../../conformance/index.js';
import { API_KEY, idsWith } from './helpers.js';
import { startV2Reference, V2_DEFECTS, type V2Defect, type V2ReferenceOptions } from './v2-reference-server.js';

const SUPPLIER = '54454543';
const V2_IDS = [
  'v2.cycle',
  'v2.duplicate',
  'v2.missing-document',
  'v2.bad-base64',
  'v2.missing-file-name',
  'v2.traversal-file-name',
  'v2.unknown-supplier',
  'v2.no-key',
  'v2.supplier-isolation',
  'v2.hostile-huge',
  'v2.hostile-nested',
  'v2.hostile-types',
  'v2.hostile-utf8',
  'auth.key-never-returned',
  'json.no-bom',
];

/** Runs the v2 checks against a reference server; also returns what the supplier holds afterwards. */
async function runV2(
  options: Partial<V2ReferenceOptions>,
  extra: Partial<ConformanceOptions> = {},
): Promise<{ report: Report; left: string[] }> {
  const server = await startV2Reference({ apiKey: API_KEY, ...options });
  try {
    const report = await runConformance({
      baseUrl: server.url,
      apiKey: API_KEY,
      material: 'unused',
      v2: true,
      supplier: SUPPLIER,
      only: ['v2.*', 'auth.key-never-returned', 'json.no-bom'],
      ...extra,
    });
    return { report, left: server.fileNames(SUPPLIER) };
  } finally {
    await server.close();
  }
}

describe('a correct v2 implementation passes', () => {
  it('the v2 reference passes every v2 check, nothing skipped, and keeps none of their documents', async () => {
    const { report, left } = await runV2({});
    expect(report.results.map((r) => r.id)).toEqual(V2_IDS);
    expect(report.results.filter((r) => r.status !== 'pass').map((r) => `${r.id}: ${r.message}`)).toEqual([]);
    expect(left).toEqual([]);
    expect(exitCodeFor(report)).toBe(0);
  });

  it.each(['links-elsewhere', 'metadata-sorted', 'error-fields'] as const)('%s passes every v2 check', async (variation) => {
    const { report, left } = await runV2({ variation });
    expect(report.results.filter((r) => r.status !== 'pass').map((r) => `${r.id}: ${r.message}`)).toEqual([]);
    expect(left).toEqual([]);
  });
});

/** Each defect → the checks that must fail; every other check must pass. */
const CAUGHT_BY: Record<V2Defect, string[]> = {
  'duplicate-overwrites': ['v2.duplicate'],
  'bad-base64-accepted': ['v2.bad-base64'],
  'traversal-accepted': ['v2.traversal-file-name'],
  'no-auth': ['v2.no-key'],
  'unknown-supplier-404': ['v2.unknown-supplier'],
  'nested-500': ['v2.hostile-nested'],
  // Every check that judges an error answer sees the missing list (the cycle's: the 404 of a deleted document's link).
  'error-without-errors': [
    'v2.bad-base64',
    'v2.cycle',
    'v2.duplicate',
    'v2.missing-document',
    'v2.missing-file-name',
    'v2.no-key',
    'v2.supplier-isolation',
    'v2.traversal-file-name',
  ],
  'download-corrupts': ['v2.cycle'],
  'stale-listing': ['v2.cycle'],
  // Under another supplier id, the PUT creates a document there instead of answering 404.
  'put-creates': ['v2.missing-document', 'v2.supplier-isolation'],
  'missing-name-500': ['v2.missing-file-name'],
  'types-500': ['v2.hostile-types'],
  'utf8-500': ['v2.hostile-utf8'],
  'huge-500': ['v2.hostile-huge'],
  'download-no-auth': ['v2.no-key'],
  'delete-no-auth': ['v2.no-key'],
  'key-prefix-accepted': ['v2.no-key'],
  // The 401 answers show the key: v2.no-key judges them, and the run-wide check sees them.
  'key-in-401': ['auth.key-never-returned', 'v2.no-key'],
  'cross-supplier': ['v2.supplier-isolation'],
  'error-without-field': ['v2.bad-base64', 'v2.duplicate', 'v2.missing-file-name', 'v2.traversal-file-name'],
  'bom-json': ['json.no-bom'],
};

/** Defects that are SHOULD failures: a warning, exit code 0. */
const WARNING_ONLY = new Set<V2Defect>(['bom-json']);

describe('every planted v2 defect is caught by the right check, and only by it', () => {
  it('covers every defect', () => {
    expect(V2_DEFECTS.length).toBeGreaterThanOrEqual(20);
    expect(Object.keys(CAUGHT_BY).sort()).toEqual([...V2_DEFECTS].sort());
  });

  it.each(V2_DEFECTS)('%s', async (defect) => {
    const { report, left } = await runV2({ defect });
    expect(idsWith(report, 'fail')).toEqual(CAUGHT_BY[defect]);
    expect(idsWith(report, 'skip')).toEqual([]);
    for (const result of report.results.filter((r) => r.status === 'fail' && r.id.startsWith('v2.'))) {
      expect(result.why, result.id).toMatch(/v2|spec\//);
      expect(result.jakamoUserSees, result.id).toBeUndefined();
      expect(result.request, result.id).toBeDefined();
    }
    expect(exitCodeFor(report)).toBe(WARNING_ONLY.has(defect) ? 0 : 1);
    expect(left).toEqual([]);
    expect(JSON.stringify(report)).not.toContain(API_KEY);
  });

  it('names the step of the cycle that went wrong', async () => {
    const corrupt = (await runV2({ defect: 'download-corrupts' })).report.results.find((r) => r.id === 'v2.cycle')!;
    expect(corrupt.message).toMatch(/^download after create: the download is not the contents sent/);
    const stale = (await runV2({ defect: 'stale-listing' })).report.results.find((r) => r.id === 'v2.cycle')!;
    expect(stale.message).toMatch(/^query after replace: the listing gives size 2048 instead of 1536/);
  });

  it('says why a duplicate POST that overwrites is wrong', async () => {
    const result = (await runV2({ defect: 'duplicate-overwrites' })).report.results.find((r) => r.id === 'v2.duplicate')!;
    expect(result.message).toMatch(/200 .* instead of 400; it replaced the document, which is what PUT is for/);
    expect(result.request?.method).toBe('POST');
    expect(result.response?.status).toBe(200);
  });

  it('names the verb and the credentials a download or DELETE let through', async () => {
    const download = (await runV2({ defect: 'download-no-auth' })).report.results.find((r) => r.id === 'v2.no-key')!;
    expect(download.message).toMatch(
      /^a download without the key \(GET \/suppliers\/54454543\/documents\/.*kept\.txt\): 200 .* instead of 401: anyone who has the link can fetch the document/,
    );
    const prefix = (await runV2({ defect: 'key-prefix-accepted' })).report.results.find((r) => r.id === 'v2.no-key')!;
    expect(prefix.message).toMatch(/with an empty key|with the key without its last character|with the first half of the key/);
  });

  it("says which supplier id reached another supplier's document", async () => {
    const result = (await runV2({ defect: 'cross-supplier' })).report.results.find((r) => r.id === 'v2.supplier-isolation')!;
    expect(result.message).toMatch(/^downloading the document under supplier JKCHECK-[0-9a-f]{12}-OTHER: 200 .* instead of 404/);
  });

  it('reports a server failure with the 5xx and the retry it invites', async () => {
    const result = (await runV2({ defect: 'nested-500' })).report.results.find((r) => r.id === 'v2.hostile-nested')!;
    expect(result.message).toMatch(
      /POST \/suppliers\/54454543\/documents with metaData nested 10000 arrays deep: the server failed with 500/,
    );
    expect(result.message).toMatch(/retry/);
  });
});
