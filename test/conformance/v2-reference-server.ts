/**
 * A v2 supplier-documents implementation written for the conformance tests, following spec/jakamo-file-callback.yaml —
 * deliberately NOT our adapter (in memory, hand-written validation). `defect` plants exactly one bug; `variation` is a
 * correct alternative that must pass. Only the v2 paths exist; everything else is 404.
 */
import { Hono, type Context } from 'hono';
import { listen, type RunningServer } from '../../src/shared/server.js';

export const V2_DEFECTS = [
  'duplicate-overwrites',
  'bad-base64-accepted',
  'traversal-accepted',
  'no-auth',
  'unknown-supplier-404',
  'nested-500',
  'error-without-errors',
  'download-corrupts',
  'stale-listing',
  'put-creates',
  'missing-name-500',
  'types-500',
  'utf8-500',
  'huge-500',
  'download-no-auth',
  'delete-no-auth',
  'key-prefix-accepted',
  'key-in-401',
  'cross-supplier',
  'error-without-field',
  'bom-json',
] as const;
export type V2Defect = (typeof V2_DEFECTS)[number];

/** Correct behaviours a strict reading might wrongly reject. */
export type V2Variation = 'links-elsewhere' | 'metadata-sorted' | 'error-fields';

export interface V2ReferenceOptions {
  apiKey: string;
  defect?: V2Defect;
  variation?: V2Variation;
}

interface StoredDocument {
  contents: Buffer;
  metaData: Array<{ key: string; value: string }>;
  /** The size the listing shows (stays at the first version's under `stale-listing`). */
  listedSize: number;
  createdAt: string;
  updatedAt: string;
  /** Under `links-elsewhere`: the opaque id of its download link. */
  id: string;
}

interface Upload {
  fileName: string;
  contents: Buffer;
  metaData: Array<{ key: string; value: string }>;
}

const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const MAX_FILE_NAME_BYTES = 255;
/** Stands in for a recursive parser running out of stack. */
const NESTING_THAT_CRASHES = 1000;

export interface V2Reference {
  app: Hono;
  /** The file names stored for a supplier, sorted. */
  fileNames(supplier: string): string[];
}

export function createV2ReferenceApp({ apiKey, defect, variation }: V2ReferenceOptions): V2Reference {
  /** Suppliers that ever had a document stay known (an empty list), others are unknown. */
  const suppliers = new Map<string, Map<string, StoredDocument>>();
  const byId = new Map<string, { supplier: string; fileName: string }>();
  let nextId = 1;
  const app = new Hono();
  // Planted crashes answer a plain 500, as an unprepared framework would.
  app.onError((_error, c) => c.text('Internal Server Error', 500));

  const error = (c: Context, status: 400 | 401 | 404, message: string, field?: string) => {
    if (defect === 'error-without-errors') return c.json({ message }, status);
    if (defect === 'error-without-field') return c.json({ message, errors: [{ message }] }, status);
    if (defect === 'key-in-401' && status === 401)
      return c.json({ message, errors: [{ message: `expected X-API-KEY ${apiKey}` }] }, status);
    const entry =
      variation === 'error-fields' ? { message, field: field ?? '', code: `E${status}` } : { message, ...(field ? { field } : {}) };
    return c.json({ message: status === 400 ? 'Bad request' : message, errors: [entry] }, status);
  };

  const authorised = (c: Context) => {
    const presented = c.req.header('X-API-KEY');
    if (defect === 'key-prefix-accepted') return presented !== undefined && apiKey.startsWith(presented);
    return presented === apiKey;
  };
  app.use('/suppliers/*', async (c, next) => {
    const exempt =
      (defect === 'download-no-auth' && c.req.method === 'GET' && /\/documents\/[^/]+$/.test(c.req.path)) ||
      (defect === 'delete-no-auth' && c.req.method === 'DELETE');
    if (defect !== 'no-auth' && !exempt && !authorised(c)) return error(c, 401, 'Missing or wrong API key');
    await next();
  });
  /** Under `cross-supplier`: a document is found by its name alone, whichever supplier stored it. */
  const find = (supplier: string, fileName: string): { supplier: string; document: StoredDocument } | undefined => {
    const own = suppliers.get(supplier)?.get(fileName);
    if (own) return { supplier, document: own };
    if (defect !== 'cross-supplier') return undefined;
    for (const [owner, documents] of suppliers) if (documents.has(fileName)) return { supplier: owner, document: documents.get(fileName)! };
    return undefined;
  };

  const link = (c: Context, supplier: string, fileName: string, document: StoredDocument) => {
    const origin = new URL(c.req.url).origin;
    if (variation === 'links-elsewhere') return `${origin}/downloads/${document.id}`;
    return `${origin}/suppliers/${encodeURIComponent(supplier)}/documents/${encodeURIComponent(fileName)}`;
  };
  const describe = (fileName: string, document: StoredDocument, size = document.contents.length) => ({
    fileName,
    metaData: variation === 'metadata-sorted' ? [...document.metaData].sort((a, b) => a.key.localeCompare(b.key)) : document.metaData,
    size,
    createdAt: document.createdAt,
    updatedAt: document.updatedAt,
  });

  app.get('/suppliers/:supplier/documents', (c) => {
    const supplier = c.req.param('supplier');
    const documents = suppliers.get(supplier);
    if (!documents && defect === 'unknown-supplier-404') return error(c, 404, `No supplier ${supplier}`);
    const data = [...(documents ?? new Map<string, StoredDocument>())]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([fileName, document]) => ({
        ...describe(fileName, document, document.listedSize),
        link: link(c, supplier, fileName, document),
      }));
    if (defect === 'bom-json') return c.body(`\uFEFF${JSON.stringify({ data })}`, 200, { 'Content-Type': 'application/json' });
    return c.json({ data });
  });

  /** The body of POST and PUT, or the 400 answer. */
  async function readUpload(c: Context): Promise<Upload | Response> {
    const raw = new Uint8Array(await c.req.arrayBuffer());
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(raw);
    } catch (decodeError) {
      if (defect === 'utf8-500') throw decodeError;
      return error(c, 400, 'The body is not UTF-8');
    }
    if (defect === 'nested-500' && nestingOf(text) > NESTING_THAT_CRASHES) throw new RangeError('Maximum call stack size exceeded');
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return error(c, 400, 'The body is not JSON');
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return error(c, 400, 'The body must be a JSON object');
    const { fileName, base64EncodedContents, metaData } = body as Record<string, unknown>;
    if (defect === 'missing-name-500' && fileName === undefined)
      throw new TypeError("Cannot read properties of undefined (reading 'length')");
    if (typeof fileName !== 'string' || fileName === '') return error(c, 400, 'fileName must be a non-empty string', 'fileName');
    if (defect === 'huge-500' && fileName.length > 100_000) throw new Error('ENAMETOOLONG: name too long');
    if (Buffer.byteLength(fileName) > MAX_FILE_NAME_BYTES) return error(c, 400, 'fileName is too long', 'fileName');
    if (defect !== 'traversal-accepted' && /[/\\]|\.\./.test(fileName))
      return error(c, 400, 'fileName must not contain a path', 'fileName');
    if (typeof base64EncodedContents !== 'string') return error(c, 400, 'base64EncodedContents must be a string', 'base64EncodedContents');
    if (defect !== 'bad-base64-accepted' && !STRICT_BASE64.test(base64EncodedContents))
      return error(c, 400, 'base64EncodedContents is not base64', 'base64EncodedContents');
    if (defect === 'types-500' && metaData !== undefined && !Array.isArray(metaData)) throw new TypeError('metaData.map is not a function');
    const entries = metaData ?? [];
    const validEntry = (entry: unknown) => {
      const { key, value } = (typeof entry === 'object' && entry !== null ? entry : {}) as { key?: unknown; value?: unknown };
      return typeof key === 'string' && typeof value === 'string' && key.length <= 256 && value.length <= 4096;
    };
    if (!Array.isArray(entries) || entries.length > 100 || !entries.every(validEntry))
      return error(c, 400, 'metaData must be a list of {key, value} strings', 'metaData');
    return {
      fileName,
      contents: Buffer.from(base64EncodedContents, 'base64'),
      metaData: (entries as Array<{ key: string; value: string }>).map(({ key, value }) => ({ key, value })),
    };
  }

  function store(supplier: string, input: Upload, previous?: StoredDocument): StoredDocument {
    const now = new Date().toISOString();
    const document: StoredDocument = {
      contents: input.contents,
      metaData: input.metaData,
      listedSize: defect === 'stale-listing' && previous ? previous.listedSize : input.contents.length,
      createdAt: previous?.createdAt ?? now,
      updatedAt: now,
      id: previous?.id ?? String(nextId++),
    };
    const documents = suppliers.get(supplier) ?? new Map<string, StoredDocument>();
    suppliers.set(supplier, documents.set(input.fileName, document));
    byId.set(document.id, { supplier, fileName: input.fileName });
    return document;
  }

  app.post('/suppliers/:supplier/documents', async (c) => {
    const supplier = c.req.param('supplier');
    const input = await readUpload(c);
    if (input instanceof Response) return input;
    const existing = suppliers.get(supplier)?.get(input.fileName);
    if (existing && defect !== 'duplicate-overwrites')
      return error(c, 400, `"${input.fileName}" exists; use PUT to replace it`, 'fileName');
    const document = store(supplier, input, existing);
    return c.json({ ...describe(input.fileName, document), link: link(c, supplier, input.fileName, document) }, existing ? 200 : 201);
  });

  app.put('/suppliers/:supplier/documents', async (c) => {
    const supplier = c.req.param('supplier');
    const input = await readUpload(c);
    if (input instanceof Response) return input;
    const found = find(supplier, input.fileName);
    const existing = found?.document;
    if (!existing && defect !== 'put-creates') return error(c, 404, `No document "${input.fileName}"; use POST to create it`, 'fileName');
    const document = store(found?.supplier ?? supplier, input, existing);
    return c.json({ ...describe(input.fileName, document), link: link(c, supplier, input.fileName, document) }, existing ? 200 : 201);
  });

  const download = (c: Context, supplier: string, fileName: string) => {
    const document = find(supplier, fileName)?.document;
    if (!document) return error(c, 404, `No document "${fileName}"`, 'fileName');
    // Under `download-corrupts` the bytes go through a text round trip, as a careless implementation might do.
    const body = defect === 'download-corrupts' ? Buffer.from(document.contents.toString('utf8')) : document.contents;
    return c.body(new Uint8Array(body), 200, {
      'Content-Type': 'application/octet-stream',
      'Content-Disposition': `attachment; filename="${fileName}"`,
    });
  };

  app.get('/suppliers/:supplier/documents/:fileName', (c) => download(c, c.req.param('supplier'), c.req.param('fileName')));
  app.get('/downloads/:id', (c) => {
    const target = byId.get(c.req.param('id'));
    if (c.req.header('X-API-KEY') !== apiKey) return error(c, 401, 'Missing or wrong API key');
    return target ? download(c, target.supplier, target.fileName) : error(c, 404, 'No such download');
  });

  app.delete('/suppliers/:supplier/documents/:fileName', (c) => {
    const fileName = c.req.param('fileName');
    const documents = suppliers.get(find(c.req.param('supplier'), fileName)?.supplier ?? c.req.param('supplier'));
    const document = documents?.get(fileName);
    if (!documents || !document) return error(c, 404, `No document "${fileName}"`, 'fileName');
    documents.delete(fileName);
    byId.delete(document.id);
    return c.json(describe(fileName, document));
  });

  return {
    app,
    fileNames: (supplier) => [...(suppliers.get(supplier)?.keys() ?? [])].sort(),
  };
}

/** The deepest bracket nesting outside strings. */
function nestingOf(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let index = 0; index < text.length; index++) {
    const char = text[index];
    if (inString) {
      if (char === '\\') index++;
      else if (char === '"') inString = false;
    } else if (char === '"') inString = true;
    else if (char === '[' || char === '{') deepest = Math.max(deepest, ++depth);
    else if (char === ']' || char === '}') depth--;
  }
  return deepest;
}

export async function startV2Reference(options: V2ReferenceOptions): Promise<RunningServer & Pick<V2Reference, 'fileNames'>> {
  const reference = createV2ReferenceApp(options);
  const server = await listen(reference.app);
  return Object.assign(server, { fileNames: (supplier: string) => reference.fileNames(supplier) });
}
