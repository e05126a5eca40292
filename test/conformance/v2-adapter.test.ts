/**
 * Our adapter with v2 supplier documents (memory store) and the OpenBOM mock, on real sockets, checked by the whole
 * suite with --v2: every check passes, nothing is skipped, and the v2 checks leave the supplier's documents as they
 * found them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runConformance, type Report } from '../../conformance/index.js';
import { createMemoryStore, type StoredSupplierDocument } from '../../src/adapter/supplier-documents/index.js';
import { startOurAdapter } from './helpers.js';

const KEY = 'conformance-v2-adapter-key-8080';
const SUPPLIER = '54454543';

const store = createMemoryStore();
let adapter: Awaited<ReturnType<typeof startOurAdapter>>;
let before: StoredSupplierDocument[];
let report: Report;

beforeAll(async () => {
  adapter = await startOurAdapter(KEY, store);
  // A document of the supplier's own, which the checks must neither list as theirs nor touch.
  await store.create({
    supplierId: SUPPLIER,
    fileName: 'existing.pdf',
    metaData: [],
    contents: new TextEncoder().encode('%PDF-1.4 keep me'),
  });
  before = await store.list(SUPPLIER);
  report = await runConformance({
    baseUrl: adapter.url,
    apiKey: KEY,
    material: '55-554354',
    revision: '120',
    otherRevision: '119',
    v2: true,
    supplier: SUPPLIER,
  });
}, 60_000);

afterAll(() => adapter.close());

describe('our adapter against the suite with --v2', () => {
  it('passes every check, v1 and v2, with nothing skipped', () => {
    expect(report.results.filter((r) => r.status !== 'pass').map((r) => `${r.id}: ${r.status} ${r.message}`)).toEqual([]);
    const ids = report.results.map((r) => r.id);
    expect(ids).toEqual(
      expect.arrayContaining([
        'listing.status',
        'v2.cycle',
        'v2.bad-base64',
        'v2.missing-file-name',
        'v2.traversal-file-name',
        'v2.no-key',
        'v2.unknown-supplier',
      ]),
    );
    expect(ids.filter((id) => id.startsWith('v2.hostile-')).sort()).toEqual([
      'v2.hostile-huge',
      'v2.hostile-nested',
      'v2.hostile-types',
      'v2.hostile-utf8',
    ]);
  });

  it('leaves the supplier with exactly the documents it had', async () => {
    expect(await store.list(SUPPLIER)).toEqual(before);
  });

  it('leaves jakamoUserSees out of v2 results and never shows the key', () => {
    expect(report.results.filter((r) => r.id.startsWith('v2.') && 'jakamoUserSees' in r)).toEqual([]);
    expect(JSON.stringify(report)).not.toContain(KEY);
  });
});
