/**
 * File Callback API v2, supplier documents (spec/jakamo-file-callback.yaml, /suppliers/{supplierId}/documents…),
 * as a Hono sub-app the adapter mounts at its root. Errors use the v2 error object `{"message","errors"}`.
 *
 * Decisions where the contract is silent:
 * - Contents over the size limit (decoded, or a body too large to hold them) answer 400 naming
 *   `base64EncodedContents`: the v2 code list has no 413, and 4xx tells Jakamo not to retry unchanged.
 * - DELETE answers 200 with the deleted document's description (no `link`: it no longer downloads).
 * - PUT replaces contents and metaData (an absent metaData stores []); createdAt is kept.
 * - A known path with another method answers 405 with `Allow`.
 */
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { create as contentDisposition } from 'content-disposition';
import { lookup as mimeType } from 'mime-types';
import { silentLogger, type Logger } from '../../shared/logger.js';
import { badRequest, jakamoError } from '../errors.js';
import type { StoredSupplierDocument, SupplierDocumentInput, SupplierDocumentStore } from './store.js';
import {
  base64Length,
  parseJsonObject,
  pathParameterErrors,
  tooLarge,
  validateUpload,
  type Validated,
} from './validation.js';

export const DEFAULT_MAX_CONTENT_BYTES = 50 * 1024 * 1024;

export interface SupplierDocumentRoutesOptions {
  store: SupplierDocumentStore;
  /** The adapter's API key check; answers 401 with the error object itself. */
  authorize: MiddlewareHandler;
  /** Base of the download links, e.g. https://adapter.example.com (a trailing slash is ignored). */
  publicBaseUrl: string;
  /** Largest decoded document accepted, in bytes. */
  maxContentBytes?: number;
  logger?: Logger;
}

const COLLECTION_PATH = '/suppliers/:supplierId/documents';
const DOCUMENT_PATH = '/suppliers/:supplierId/documents/:fileName';

/**
 * The largest request body read: the base64 of the largest document, plus 1/16 for JSON writers that escape
 * "/" as "\/" (1/64 of base64 characters on average), plus 1 MiB for the file name and metaData.
 */
export function maxRequestBodyBytes(maxContentBytes: number): number {
  const encoded = base64Length(maxContentBytes);
  return encoded + Math.ceil(encoded / 16) + 1024 * 1024;
}

export function createSupplierDocumentRoutes({
  store,
  authorize,
  publicBaseUrl,
  maxContentBytes = DEFAULT_MAX_CONTENT_BYTES,
  logger = silentLogger,
}: SupplierDocumentRoutesOptions): Hono {
  const baseUrl = publicBaseUrl.replace(/\/+$/, '');
  const maxBodyBytes = maxRequestBodyBytes(maxContentBytes);
  const limitBody = bodyLimit({
    maxSize: maxBodyBytes,
    onError: (c) => badRequest(c, [tooLarge(`makes the request body larger than ${maxBodyBytes} bytes`, maxContentBytes)]),
  });
  const withLink = (document: StoredSupplierDocument) => ({
    ...describe(document),
    link: `${baseUrl}/suppliers/${encodeURIComponent(document.supplierId)}/documents/${encodeURIComponent(document.fileName)}`,
  });
  const logStored = (action: string, document: StoredSupplierDocument) =>
    logger.info(`supplier document ${action}`, { supplierId: document.supplierId, fileName: document.fileName, size: document.size });

  /** The body of POST and PUT, validated and decoded. */
  async function readUpload(c: Context): Promise<Validated<SupplierDocumentInput>> {
    const body = parseJsonObject(new Uint8Array(await c.req.arrayBuffer()));
    return body.ok ? validateUpload(body.value, c.req.param('supplierId') ?? '', maxContentBytes) : body;
  }

  const app = new Hono();
  app.use('/suppliers/*', authorize);

  app.get(COLLECTION_PATH, async (c) => {
    const supplierId = c.req.param('supplierId');
    const errors = pathParameterErrors('supplierId', supplierId);
    if (errors.length > 0) return badRequest(c, errors);
    return c.json({ data: (await store.list(supplierId)).map(withLink) });
  });

  app.post(COLLECTION_PATH, limitBody, async (c) => {
    const upload = await readUpload(c);
    if (!upload.ok) return badRequest(c, upload.errors);
    const { supplierId, fileName } = upload.value;
    const result = await store.create(upload.value);
    if (result.status === 'exists') {
      const message = `A document named "${fileName}" already exists for supplier ${supplierId}; use PUT to replace it.`;
      return jakamoError(c, 400, message, [{ message, field: 'fileName' }]);
    }
    logStored('created', result.document);
    return c.json(withLink(result.document), 201);
  });

  app.put(COLLECTION_PATH, limitBody, async (c) => {
    const upload = await readUpload(c);
    if (!upload.ok) return badRequest(c, upload.errors);
    const { supplierId, fileName } = upload.value;
    const replaced = await store.replace(upload.value);
    if (!replaced) return notFound(c, supplierId, fileName, 'Use POST to create it.');
    logStored('replaced', replaced);
    return c.json(withLink(replaced), 200);
  });

  // Also answers HEAD: Hono dispatches HEAD to the GET handler and drops the body.
  app.get(DOCUMENT_PATH, async (c) => {
    const { supplierId, fileName, errors } = documentParams(c);
    if (errors.length > 0) return badRequest(c, errors);
    const opened = await store.get(supplierId, fileName);
    if (!opened) return notFound(c, supplierId, fileName);
    c.header('Content-Type', mimeType(fileName) || 'application/octet-stream');
    c.header('Content-Length', String(opened.document.size));
    c.header('Content-Disposition', quotedAttachment(fileName));
    // Stored bytes are served as the named type, never sniffed into something a browser would run.
    c.header('X-Content-Type-Options', 'nosniff');
    if (c.req.method === 'HEAD') {
      await opened.contents.cancel();
      return c.body(null, 200);
    }
    // Streamed from the open version: never held in memory, never mixed with a replace landing meanwhile.
    return c.body(opened.contents, 200);
  });

  app.delete(DOCUMENT_PATH, async (c) => {
    const { supplierId, fileName, errors } = documentParams(c);
    if (errors.length > 0) return badRequest(c, errors);
    const deleted = await store.delete(supplierId, fileName);
    if (!deleted) return notFound(c, supplierId, fileName);
    logStored('deleted', deleted);
    return c.json(describe(deleted), 200);
  });

  for (const [path, allowed] of [
    [COLLECTION_PATH, 'GET, POST, PUT'],
    [DOCUMENT_PATH, 'GET, HEAD, DELETE'],
  ] as const) {
    app.all(path, (c) => {
      c.header('Allow', allowed);
      return jakamoError(c, 405, 'Method not allowed', [{ message: `${c.req.method} is not supported here; use ${allowed}.` }]);
    });
  }

  app.onError((error, c) => {
    logger.error('supplier documents failure', { method: c.req.method, error: error instanceof Error ? error.message : String(error) });
    return jakamoError(c, 500, 'Internal server error', [{ message: 'The document store failed; please try again later.' }]);
  });

  return app;
}

/** A document as the API shows it (the store's hash stays internal). */
function describe({ fileName, metaData, size, createdAt, updatedAt }: StoredSupplierDocument) {
  return { fileName, metaData, size, createdAt, updatedAt };
}

function documentParams(c: Context) {
  // Hono percent-decodes path parameters; "%2F" becomes "/" and is then refused like any separator.
  const supplierId = c.req.param('supplierId') ?? '';
  const fileName = c.req.param('fileName') ?? '';
  return { supplierId, fileName, errors: [...pathParameterErrors('supplierId', supplierId), ...pathParameterErrors('fileName', fileName)] };
}

/**
 * content-disposition leaves a name that is a plain token bare (`filename=a.pdf`); the quoted form is equally
 * valid and is what every client parses, so it is always used. Tokens never contain `"` or `;`.
 */
function quotedAttachment(fileName: string): string {
  return contentDisposition(fileName).replace(/^attachment; filename=([^";]+)(;|$)/, 'attachment; filename="$1"$2');
}

function notFound(c: Context, supplierId: string, fileName: string, hint?: string) {
  const message = `No document named "${fileName}" for supplier ${supplierId}.${hint ? ` ${hint}` : ''}`;
  return jakamoError(c, 404, 'Not found', [{ message, field: 'fileName' }]);
}
