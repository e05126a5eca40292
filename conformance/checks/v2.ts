/**
 * v2 supplier documents (`--v2 --supplier ID`): the create → query → download → replace → delete cycle with the
 * contents verified at each step, the error answers of invalid and unauthenticated requests, and an unknown
 * supplier. Every check creates documents only under names carrying its marker and deletes them before it ends.
 * v2 does not describe what a Jakamo user sees, so these results carry no jakamoUserSees.
 */
import { randomBytes } from 'node:crypto';
import type { CheckContext } from '../context.js';
import type { Exchange } from '../http.js';
import { schemaProblems } from '../schema.js';
import { describe, failUnseen, pass, skip, statusOf, type Check, type Outcome } from './support.js';
import {
  bodyProblem,
  collectionUrl,
  documentUrl,
  errorAnswerProblem,
  isNamed,
  keptNote,
  listedData,
  markerFor,
  parseJson,
  removeMarked,
  sendUpload,
  sent,
  serverFailure,
  upload,
  V2_RULES,
  v2Settings,
  type MetaDataEntry,
  type UploadBody,
} from './v2-support.js';

interface Version {
  contents: Uint8Array;
  metaData: MetaDataEntry[];
}

interface ListedDocument {
  fileName: string;
  size: number;
  metaData: MetaDataEntry[];
  link: string;
}

/** A step of the cycle that went wrong, with the exchange that shows it. */
class StepFailure extends Error {
  constructor(
    message: string,
    readonly exchange?: Exchange,
  ) {
    super(message);
  }
}

const sameMetaData = (a: MetaDataEntry[], b: MetaDataEntry[]) => {
  const canonical = (entries: MetaDataEntry[]) => JSON.stringify(entries.map(({ key, value }) => [key, value]).sort());
  return canonical(a) === canonical(b);
};

const sameBytes = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

/** The answer to a POST or PUT: `status` and a SupplierDocument describing exactly the version sent. */
function expectStored(ctx: CheckContext, step: string, exchange: Exchange, status: 200 | 201, fileName: string, version: Version): void {
  const failure = serverFailure(ctx, exchange);
  if (failure) throw new StepFailure(`${step}: ${failure}`, exchange);
  if (statusOf(exchange) !== status) throw new StepFailure(`${step}: ${describe(exchange)} instead of ${status}`, exchange);
  const problem = bodyProblem(exchange, 'SupplierDocument');
  if (problem) throw new StepFailure(`${step}: ${problem}`, exchange);
  const stored = JSON.parse(exchange.response?.text ?? '') as ListedDocument;
  const mismatch = versionMismatch(stored, fileName, version);
  if (mismatch) throw new StepFailure(`${step}: the answer ${mismatch}`, exchange);
}

function versionMismatch(document: ListedDocument, fileName: string, version: Version): string | undefined {
  if (document.fileName !== fileName)
    return `names the document ${JSON.stringify(document.fileName)} instead of ${JSON.stringify(fileName)}`;
  if (document.size !== version.contents.byteLength) return `gives size ${document.size} instead of ${version.contents.byteLength}`;
  if (!sameMetaData(document.metaData, version.metaData))
    return `gives metaData ${JSON.stringify(document.metaData)} instead of ${JSON.stringify(version.metaData)}`;
  return undefined;
}

/**
 * The configured supplier's documents: a 200 `{"data": [...]}`. Only the check's own entry is held to the
 * SupplierDocument schema; the supplier's other documents (including other checks' at that moment) are not its business.
 */
async function query(ctx: CheckContext, step: string): Promise<{ exchange: Exchange; documents: unknown[] }> {
  const exchange = await ctx.send({ url: collectionUrl(ctx), auth: 'key' });
  const failure = serverFailure(ctx, exchange);
  if (failure) throw new StepFailure(`${step}: ${failure}`, exchange);
  if (statusOf(exchange) !== 200) throw new StepFailure(`${step}: ${describe(exchange)} instead of 200`, exchange);
  const documents = listedData(exchange);
  if (!documents) throw new StepFailure(`${step}: the body is not {"data": [...]}`, exchange);
  return { exchange, documents };
}

/** Queries the supplier's documents and returns the one of `fileName`, checked to be `version`. */
async function expectListed(ctx: CheckContext, step: string, fileName: string, version: Version): Promise<ListedDocument> {
  const { exchange, documents } = await query(ctx, step);
  const entry = documents.find(isNamed(fileName));
  if (!entry) throw new StepFailure(`${step}: ${JSON.stringify(fileName)} is not listed (${documents.length} document(s) are)`, exchange);
  const problems = schemaProblems('SupplierDocument', entry);
  if (problems.length > 0)
    throw new StepFailure(`${step}: its entry is not a valid SupplierDocument (${problems.slice(0, 3).join('; ')})`, exchange);
  const listed = entry as ListedDocument;
  const mismatch = versionMismatch(listed, fileName, version);
  if (mismatch) throw new StepFailure(`${step}: the listing ${mismatch}`, exchange);
  if (!ctx.trusted(listed.link)) {
    throw new StepFailure(
      `${step}: the link ${listed.link} is not on the base URL's origin (nor one given with --allow-link-origin); Jakamo sends the API key to it, so the suite does not`,
      exchange,
    );
  }
  return listed;
}

/** Downloads a link with the key and compares every byte. */
async function expectDownload(ctx: CheckContext, step: string, link: string, version: Version): Promise<void> {
  const exchange = await ctx.send({ url: link, auth: 'key', bodyLimit: version.contents.byteLength + 1 });
  const failure = serverFailure(ctx, exchange);
  if (failure) throw new StepFailure(`${step}: ${failure}`, exchange);
  if (statusOf(exchange) !== 200) throw new StepFailure(`${step}: ${describe(exchange)} instead of 200`, exchange);
  const received = exchange.response?.body ?? new Uint8Array(0);
  if (!sameBytes(received, version.contents)) {
    throw new StepFailure(
      `${step}: the download is not the contents sent (${received.byteLength}${exchange.response?.complete ? '' : '+'} bytes received, ${version.contents.byteLength} sent)`,
      exchange,
    );
  }
}

const cycleCheck: Check = {
  id: 'v2.cycle',
  severity: 'MUST',
  // Sequential requests: create, query, download, replace … and the clean-up.
  budgetRequests: 30,
  title: 'A supplier document can be created, queried, downloaded, replaced and deleted',
  why: `${V2_RULES.verbs} ${V2_RULES.paths} POST answers 201 and PUT 200 with the stored document; the query lists it with a link that downloads exactly the contents sent.`,
  async run(ctx) {
    const marker = markerFor(ctx, 'cycle');
    const fileName = `${marker}drawing.pdf`;
    const first: Version = { contents: randomBytes(2048), metaData: [{ key: 'validTo', value: '2024-05-05' }] };
    const second: Version = {
      contents: randomBytes(1536),
      metaData: [
        { key: 'validTo', value: '2025-06-30' },
        { key: 'revision', value: 'B' },
      ],
    };
    try {
      const created = await sendUpload(ctx, 'POST', upload(fileName, first.contents, first.metaData));
      expectStored(ctx, 'create (POST)', created, 201, fileName, first);
      const { link } = await expectListed(ctx, 'query after create', fileName, first);
      await expectDownload(ctx, 'download after create', link, first);

      const replaced = await sendUpload(ctx, 'PUT', upload(fileName, second.contents, second.metaData));
      expectStored(ctx, 'replace (PUT)', replaced, 200, fileName, second);
      const { link: newLink } = await expectListed(ctx, 'query after replace', fileName, second);
      await expectDownload(ctx, 'download after replace', newLink, second);

      const deleted = await ctx.send({ url: documentUrl(ctx, fileName), auth: 'key', method: 'DELETE' });
      const deleteFailure = serverFailure(ctx, deleted) ?? (statusOf(deleted) === 200 ? undefined : `${describe(deleted)} instead of 200`);
      if (deleteFailure) throw new StepFailure(`delete (DELETE): ${deleteFailure}`, deleted);
      const { exchange: afterDelete, documents } = await query(ctx, 'query after delete');
      if (documents.some(isNamed(fileName)))
        throw new StepFailure(`query after delete: ${JSON.stringify(fileName)} is still listed`, afterDelete);
      const gone = await ctx.send({ url: newLink, auth: 'key' });
      const goneProblem = errorAnswerProblem(ctx, gone, 404);
      if (goneProblem) throw new StepFailure(`download after delete: ${goneProblem}`, gone);
      return pass(
        `created (201), listed, downloaded byte for byte, replaced (200), listed and downloaded again, deleted (200), then gone (404)`,
        created,
      );
    } catch (error) {
      if (!(error instanceof StepFailure)) throw error;
      const cleanUp = await removeMarked(ctx, marker);
      return failUnseen(`${error.message}${keptNote(cleanUp)}`, error.exchange);
    }
  },
};

const duplicateCheck: Check = {
  id: 'v2.duplicate',
  severity: 'MUST',
  budgetRequests: 15,
  title: 'POST of a file name that exists answers 400 and leaves the document as it was',
  why: `${V2_RULES.verbs} ${V2_RULES.badRequest} ${V2_RULES.errors} A POST must not replace what PUT replaces (spec: "a name that already exists → 400 saying to use PUT").`,
  async run(ctx) {
    const marker = markerFor(ctx, 'duplicate');
    const fileName = `${marker}spec.txt`;
    const original = randomBytes(512);
    const created = await sendUpload(ctx, 'POST', upload(fileName, original));
    if (statusOf(created) !== 201) {
      const cleanUp = await removeMarked(ctx, marker);
      return skip(`not run: creating the document to test with answered ${describe(created)} (see v2.cycle)${keptNote(cleanUp)}`, created);
    }
    // What the document downloads as before and after: a change is the second POST's doing, whatever the download's fidelity.
    const download = () => ctx.send({ url: documentUrl(ctx, fileName), auth: 'key', bodyLimit: original.byteLength + 1 });
    const before = await download();
    const again = await sendUpload(ctx, 'POST', upload(fileName, randomBytes(300)));
    const problem = errorAnswerProblem(ctx, again, 400);
    const after = await download();
    const replaced =
      statusOf(after) === 200 && !sameBytes(after.response?.body ?? new Uint8Array(0), before.response?.body ?? new Uint8Array(0));
    const cleanUp = await removeMarked(ctx, marker);
    const note = keptNote(cleanUp);
    if (problem)
      return failUnseen(
        `a second POST of ${JSON.stringify(fileName)}: ${problem}${replaced ? '; it replaced the document, which is what PUT is for' : ''}${note}`,
        again,
      );
    if (replaced) return failUnseen(`a second POST answered 400 but replaced the document anyway${note}`, after);
    return pass(`a second POST of an existing file name answered 400 with the error object; the document kept its contents${note}`, again);
  },
};

const missingDocumentCheck: Check = {
  id: 'v2.missing-document',
  severity: 'MUST',
  budgetRequests: 15,
  title: 'Download, DELETE and PUT of a document that does not exist answer 404',
  why: `${V2_RULES.verbs} ${V2_RULES.errors} PUT replaces an existing document; it does not create one.`,
  async run(ctx) {
    const marker = markerFor(ctx, 'missing');
    const fileName = `${marker}absent.txt`;
    const attempts: Array<[string, Exchange]> = [
      ['download', await ctx.send({ url: documentUrl(ctx, fileName), auth: 'key' })],
      ['DELETE', await ctx.send({ url: documentUrl(ctx, fileName), auth: 'key', method: 'DELETE' })],
      ['PUT', await sendUpload(ctx, 'PUT', upload(fileName, randomBytes(64)))],
    ];
    const cleanUp = await removeMarked(ctx, marker);
    const note = keptNote(cleanUp);
    for (const [what, exchange] of attempts) {
      const problem = errorAnswerProblem(ctx, exchange, 404);
      if (problem) return failUnseen(`${what} of a document that does not exist: ${problem}${note}`, exchange);
    }
    if (cleanUp.found.length > 0)
      return failUnseen(`PUT of a document that does not exist answered 404 but created it${note}`, attempts[2]?.[1]);
    return pass('download, DELETE and PUT of a missing document answered 404 with the error object', attempts[0]?.[1]);
  },
};

interface InvalidUpload {
  label: string;
  body: UploadBody;
}

/** POSTs that must each be refused with 400 and the error object, storing nothing. */
function invalidUploadCheck(id: string, title: string, why: string, bodies: (marker: string) => InvalidUpload[]): Check {
  const slug = id.slice('v2.'.length);
  return {
    id,
    severity: 'MUST',
    budgetRequests: 15,
    title,
    why: `${V2_RULES.badRequest} ${V2_RULES.errors} ${why}`,
    async run(ctx) {
      const marker = markerFor(ctx, slug);
      const sentBodies = bodies(marker);
      const answers: Array<[string, Exchange]> = [];
      for (const { label, body } of sentBodies) answers.push([label, await sendUpload(ctx, 'POST', body)]);
      const cleanUp = await removeMarked(ctx, marker);
      const note = keptNote(cleanUp);
      for (const [label, exchange] of answers) {
        const problem = errorAnswerProblem(ctx, exchange, 400);
        if (problem) return failUnseen(`${label}: ${problem}${note}`, exchange);
      }
      if (cleanUp.found.length > 0)
        return failUnseen(
          `answered 400 but stored ${cleanUp.found.map((name) => JSON.stringify(name)).join(', ')}${note}`,
          answers[0]?.[1],
        );
      return pass(`${answers.length} invalid bodies each answered 400 with the error object; nothing was stored`, answers[0]?.[1]);
    },
  };
}

const HELLO = Buffer.from('hello').toString('base64');

const unknownSupplierCheck: Check = {
  id: 'v2.unknown-supplier',
  severity: 'MUST',
  title: 'The documents of a supplier that does not exist are 200 {"data": []}',
  why: `${V2_RULES.paths} v1 §4: "Jakamo does not show different messages for 401, 404, and 500 on the listing request — non-success responses all use the same generic text", and nothing in v2 changes that: a supplier with no documents yet is "no documents", not a technical error. The spec answers 200 {"data": []}.`,
  async run(ctx) {
    const exchange = await ctx.send({ url: collectionUrl(ctx, v2Settings(ctx).unknownSupplier), auth: 'key' });
    const outcome = judgeEmptyListing(ctx, exchange);
    return outcome ?? pass('200 {"data": []}', exchange);
  },
};

function judgeEmptyListing(ctx: CheckContext, exchange: Exchange): Outcome | undefined {
  const failure = serverFailure(ctx, exchange);
  if (failure) return failUnseen(`${sent(exchange)}: ${failure}`, exchange);
  if (statusOf(exchange) !== 200) return failUnseen(`${sent(exchange)}: ${describe(exchange)} instead of 200 {"data": []}`, exchange);
  const problem = bodyProblem(exchange, 'SupplierDocumentList');
  if (problem) return failUnseen(`${sent(exchange)}: ${problem}`, exchange);
  const json = parseJson(exchange);
  const count = json.ok ? (json.value as { data: unknown[] }).data.length : 0;
  return count > 0 ? failUnseen(`${sent(exchange)}: lists ${count} document(s) for a supplier that does not exist`, exchange) : undefined;
}

export const v2DocumentChecks: Check[] = [
  cycleCheck,
  duplicateCheck,
  missingDocumentCheck,
  invalidUploadCheck(
    'v2.bad-base64',
    'Contents that are not base64 answer 400 with the error object',
    'v2: "base64EncodedContents | string Base64 encoded file contents".',
    (marker) => [
      {
        label: 'base64EncodedContents "@@@ not base64 @@@"',
        body: { fileName: `${marker}a.txt`, base64EncodedContents: '@@@ not base64 @@@', metaData: [] },
      },
      {
        label: 'base64EncodedContents with "*" inside',
        body: { fileName: `${marker}b.txt`, base64EncodedContents: 'SGVsbG8*d29ybGQ=', metaData: [] },
      },
    ],
  ),
  invalidUploadCheck(
    'v2.missing-file-name',
    'A body without a fileName answers 400 with the error object',
    'v2: "fileName | string Name of the file to be created".',
    (marker) => [
      { label: 'no fileName', body: { base64EncodedContents: HELLO, metaData: [{ key: 'jkcheck', value: marker }] } },
      { label: 'fileName ""', body: { fileName: '', base64EncodedContents: HELLO, metaData: [{ key: 'jkcheck', value: marker }] } },
    ],
  ),
  invalidUploadCheck(
    'v2.traversal-file-name',
    'A fileName with a path in it answers 400 with the error object',
    'A file name names a file, not a place: one with a path separator or ".." would reach outside the supplier\'s documents.',
    (marker) =>
      [`../${marker}a.txt`, `..\\${marker}b.txt`, `nested/${marker}c.txt`, `../../../../tmp/${marker}d.txt`].map((fileName) => ({
        label: `fileName ${JSON.stringify(fileName)}`,
        body: { fileName, base64EncodedContents: HELLO, metaData: [] },
      })),
  ),
  unknownSupplierCheck,
];
