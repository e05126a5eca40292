/**
 * Property-based fuzz of the File Callback adapter, in-process, its OpenBOM client talking to the mock through a fake
 * fetch: v1 listings and downloads, v2 supplier documents on the filesystem store, and the demo's one origin (page
 * beside the adapter). Every answer: no 5xx, errors as `{"message","errors"}`, no stack trace, valid against
 * spec/jakamo-file-callback.yaml, no API key, app key, password or token in any answer or log line; and no file
 * ever written outside the document store.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDefaultFixture } from '../../src/fixtures/load.js';
import { loadSpec } from '../support/openapi.js';
import { requestArbitrary, toRequest, type ApiVocabulary, type FuzzRequest } from './support/http-arbitraries.js';
import { exchangeAndCheck, type Answer, type InProcessApp } from './support/oracle.js';
import { fuzz, fuzzTimeoutMs } from './support/runs.js';
import { ADAPTER_ORIGIN, API_KEY, API_KEY_HEADER, ROTATED_API_KEY, createDemoTarget, type AdapterTarget } from './support/targets.js';
import { fieldObjects, specInputs } from './support/vocabulary.js';

const spec = loadSpec('spec/jakamo-file-callback.yaml');
const inputs = specInputs(spec);
const fixture = loadDefaultFixture();
const PART_NUMBERS = fixture.catalogs.flatMap((catalog) =>
  catalog.parts.flatMap((part) => {
    const partNumber = part.row['Part Number'];
    return typeof partNumber === 'string' ? [partNumber] : [];
  }),
);
const SUPPLIERS = ['54454543', 'acme-1', 'Nordline.Conveyors_2'];
const DOCUMENT_NAMES = ['file.txt', 'spec sheet.pdf', 'Zürich – v2.step', 'a'];

const credentials = fc.oneof(
  { arbitrary: fc.constant<Array<[string, string]>>([[API_KEY_HEADER, '{{KEY}}']]), weight: 12 },
  fc.constantFrom<Array<[string, string]>>(
    [['x-api-key', '{{ROTATED}}']],
    [[API_KEY_HEADER, ' {{KEY}}\t']],
    [[API_KEY_HEADER, '{{KEY}}x']],
    [[API_KEY_HEADER, '']],
    [['Authorization', 'Bearer {{KEY}}']],
    [
      [API_KEY_HEADER, '{{KEY}}'],
      [API_KEY_HEADER, '{{ROTATED}}'],
    ],
  ),
);
const substitute = (text: string) => text.replaceAll('{{KEY}}', API_KEY).replaceAll('{{ROTATED}}', ROTATED_API_KEY);

/** Uploads shaped like the contract's: mostly valid (so documents get stored, replaced and read), or subtly wrong. */
const fileNames = fc.oneof(
  { arbitrary: fc.constantFrom(...DOCUMENT_NAMES), weight: 4 },
  { arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }), weight: 2 },
  { arbitrary: fc.constantFrom('..', '../x', 'a/b', 'a\\b', 'x\u0000y', '.', '', 'é'.repeat(200)), weight: 1 },
);
const contents = fc.oneof(
  { arbitrary: fc.uint8Array({ maxLength: 2048 }).map((bytes) => Buffer.from(bytes).toString('base64')), weight: 6 },
  { arbitrary: fc.base64String({ maxLength: 64 }), weight: 1 },
  { arbitrary: fc.string({ maxLength: 40 }), weight: 1 },
  { arbitrary: fc.constantFrom('', '=', 'QQ', 'QQ=', 'QQ==\n', 'Q-_=', 'QR=='), weight: 1 },
);
const metaData = fc.oneof(
  {
    arbitrary: fc.array(fc.record({ key: fc.string({ maxLength: 300 }), value: fc.string({ maxLength: 50 }) }), { maxLength: 4 }),
    weight: 4,
  },
  { arbitrary: fc.jsonValue({ maxDepth: 2 }), weight: 1 },
);
const uploads = fc.oneof(
  {
    arbitrary: fc.record(
      { fileName: fileNames, base64EncodedContents: contents, metaData },
      { requiredKeys: ['fileName', 'base64EncodedContents'] },
    ),
    weight: 6,
  },
  { arbitrary: fc.record({ fileName: fileNames, base64EncodedContents: contents, metaData }, { requiredKeys: [] }), weight: 1 },
  { arbitrary: fieldObjects(inputs.bodyFields, fc.oneof(fc.string(), fc.constantFrom(...DOCUMENT_NAMES))), weight: 1 },
);

let target: AdapterTarget & { demo: InProcessApp };
let downloadQueries: string[] = [];

beforeAll(async () => {
  target = await createDemoTarget();
  // Download links as listed, so generated downloads can hit real files; a few v2 documents to read, replace, delete.
  for (const partNumber of PART_NUMBERS.slice(0, 6)) {
    const response = await target.app.request(`${ADAPTER_ORIGIN}/materials/documents?materialId=${encodeURIComponent(partNumber)}`, {
      headers: { [API_KEY_HEADER]: API_KEY },
    });
    const { data } = (await response.json()) as { data: Array<{ link: string }> };
    downloadQueries.push(...data.map((document) => new URL(document.link).search.slice(1)));
  }
  for (const supplier of SUPPLIERS) {
    for (const fileName of DOCUMENT_NAMES.slice(0, 2)) {
      const response = await target.app.request(`${ADAPTER_ORIGIN}/suppliers/${supplier}/documents`, {
        method: 'POST',
        headers: { [API_KEY_HEADER]: API_KEY, 'content-type': 'application/json' },
        body: JSON.stringify({ fileName, base64EncodedContents: Buffer.from(`${supplier}/${fileName}`).toString('base64') }),
      });
      expect(response.status).toBe(201);
    }
  }
  downloadQueries = [...new Set(downloadQueries)];
  expect(downloadQueries.length).toBeGreaterThan(3);
});

afterAll(async () => {
  await target?.close();
});

function vocabulary(operations: Array<[string, string]>, extra: Partial<ApiVocabulary> = {}): ApiVocabulary {
  return {
    operations,
    knownValues: [...PART_NUMBERS, '119', '120', 'A', 'Drawing', 'CAD Model', 'Thumbnail image', ...SUPPLIERS, ...DOCUMENT_NAMES],
    queryNames: [...inputs.queryNames, 'materialid', 'fileName[]'],
    credentials,
    ...extra,
  };
}

const isV2 = ([, template]: [string, string]) => template.startsWith('/suppliers/');
const v2Requests = requestArbitrary(vocabulary(inputs.operations.filter(isV2), { shapedBodies: uploads }), { maxBodyBytes: 512 * 1024 });
const PAGE_PATHS = new Set(['/', '/app.js', '/style.css', '/demo-config.json']);
const demoRequests = requestArbitrary(
  vocabulary([...inputs.operations, ...[...PAGE_PATHS].map((path): [string, string] => ['GET', path])]),
);

async function check(app: InProcessApp, generated: FuzzRequest, outsideSpec?: (answer: Answer) => boolean): Promise<number> {
  const answer = await exchangeAndCheck(app, toRequest(ADAPTER_ORIGIN, generated, substitute), {
    spec,
    secrets: target.secrets,
    loggers: target.loggers,
    outsideSpec,
  });
  return answer.status;
}

describe('fuzz: the adapter', () => {
  it('v1: listings and downloads answer every generated request within the contract', { timeout: fuzzTimeoutMs }, async () => {
    // Known download queries join the vocabulary once the listings have been read.
    const requests = requestArbitrary(
      vocabulary(
        inputs.operations.filter((operation) => !isV2(operation)),
        { knownQueries: downloadQueries },
      ),
    );
    await fuzz('adapter-v1', requests, (generated) => check(target.app, generated));
  });

  it(
    'v2: supplier documents answer every generated request within the contract, and nothing is written outside the store',
    { timeout: fuzzTimeoutMs },
    async () => {
      await fuzz('adapter-v2', v2Requests, (generated) => check(target.app, generated));
      expect(await target.strayFiles()).toEqual([]);
    },
  );

  it(
    'demo: the page and the API on one origin answer every generated request within the contract',
    { timeout: fuzzTimeoutMs },
    async () => {
      const pageFile = (answer: Answer) => answer.status === 200 && PAGE_PATHS.has(new URL(answer.url).pathname);
      await fuzz('demo', demoRequests, (generated) => check(target.demo, generated, pageFile));
    },
  );
});
