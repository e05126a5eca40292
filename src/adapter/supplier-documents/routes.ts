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
 * - Uploads stream (upload-stream.ts): memory per upload is a small constant; at most `maxConcurrentUploads` are read
 *   at once, and one more answers 503 with Retry-After (5xx: Jakamo may retry, preferably with backoff). A write the
 *   store cannot take now (another replica holds the document, the lock service is away) answers 503 the same way.
 * - fileName is compared and stored in Unicode NFC, in the body and in the path.
 */
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { create as contentDisposition } from 'content-disposition';
import { lookup as mimeType } from 'mime-types';
import { silentLogger, type Logger } from '../../shared/logger.js';
import { badRequest, jakamoError } from '../errors.js';
import { SharedStateUnavailableError } from '../state/shared-state.js';
import {
  DocumentStoreBusyError,
  type ContentsStage,
  type StoredSupplierDocument,
  type SupplierDocumentInput,
  type SupplierDocumentStore,
} from './store.js';
import { scanUpload, UploadRefusedError } from './upload-stream.js';
import {
  base64Length,
  normalizeFileName,
  notBase64,
  parseJsonObject,
  pathParameterErrors,
  tooLarge,
  validateUpload,
  type Validated,
} from './validation.js';

export const DEFAULT_MAX_CONTENT_BYTES = 50 * 1024 * 1024;
/** Uploads read at once; each holds at most a few MiB (the body besides its contents) in memory. */
export const DEFAULT_MAX_CONCURRENT_UPLOADS = 16;
/** Seconds a client is asked to wait before retrying a 503. */
const RETRY_AFTER_SECONDS = 2;

export interface SupplierDocumentRoutesOptions {
  store: SupplierDocumentStore;
  /** The adapter's API key check; answers 401 with the error object itself. */
  authorize: MiddlewareHandler;
  /** Base of the download links, e.g. https://adapter.example.com (a trailing slash is ignored). */
  publicBaseUrl: string;
  /** Largest decoded document accepted, in bytes. */
  maxContentBytes?: number;
  /** Uploads (POST, PUT) read at once; more answer 503 with Retry-After. */
  maxConcurrentUploads?: number;
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
  maxConcurrentUploads = DEFAULT_MAX_CONCURRENT_UPLOADS,
  logger = silentLogger,
}: SupplierDocumentRoutesOptions): Hono {
  const baseUrl = publicBaseUrl.replace(/\/+$/, '');
  const maxBodyBytes = maxRequestBodyBytes(maxContentBytes);
  const scanLimits = {
    maxBodyBytes,
    maxContentBytes,
    tooLarge: (what: string) => tooLarge(what, maxContentBytes),
    notBase64: notBase64(),
  };
  let uploadsInFlight = 0;
  const withLink = (document: StoredSupplierDocument) => ({
    ...describe(document),
    link: `${baseUrl}/suppliers/${encodeURIComponent(document.supplierId)}/documents/${encodeURIComponent(document.fileName)}`,
  });
  const logStored = (action: string, document: StoredSupplierDocument) =>
    logger.info(`supplier document ${action}`, { supplierId: document.supplierId, fileName: document.fileName, size: document.size });

  /**
   * The body of POST and PUT, validated, its contents staged in the store (the caller hands them to create/replace).
   * A body with a bad supplierId is still read, to report its other problems too, but nothing of it is kept.
   */
  async function readUpload(c: Context): Promise<Validated<SupplierDocumentInput>> {
    const supplierId = c.req.param('supplierId') ?? '';
    const declaredLength = Number(c.req.header('Content-Length'));
    if (declaredLength > maxBodyBytes) {
      stopReading(c);
      return { ok: false, errors: [tooLarge(`makes the request body larger than ${maxBodyBytes} bytes`, maxContentBytes)] };
    }
    const stage: ContentsStage | undefined =
      pathParameterErrors('supplierId', supplierId).length === 0 ? await store.stage(supplierId) : undefined;
    try {
      const scanned = await scanUpload(c.req.raw.body, async (bytes) => stage?.write(bytes), scanLimits);
      const body = parseJsonObject(scanned.rest);
      const fields = body.ok ? validateUpload(body.value, supplierId, scanned.errors) : body;
      if (!fields.ok || !stage) {
        await stage?.discard();
        return fields.ok ? { ok: false, errors: pathParameterErrors('supplierId', supplierId) } : fields;
      }
      return { ok: true, value: { ...fields.value, contents: await stage.finish() } };
    } catch (error) {
      await stage?.discard();
      if (error instanceof UploadRefusedError) {
        stopReading(c);
        return { ok: false, errors: [error.entry] };
      }
      throw error;
    }
  }

  /** Runs an upload if a slot is free; otherwise 503 with Retry-After, before reading a byte of the body. */
  async function withUploadSlot(c: Context, handle: () => Promise<Response>): Promise<Response> {
    if (uploadsInFlight >= maxConcurrentUploads) {
      return retryLater(c, `More than ${maxConcurrentUploads} uploads are in progress; try again in ${RETRY_AFTER_SECONDS} seconds.`);
    }
    uploadsInFlight++;
    try {
      return await handle();
    } finally {
      uploadsInFlight--;
    }
  }

  const app = new Hono();
  app.use('/suppliers/*', authorize);

  app.get(COLLECTION_PATH, async (c) => {
    const supplierId = c.req.param('supplierId');
    const errors = pathParameterErrors('supplierId', supplierId);
    if (errors.length > 0) return badRequest(c, errors);
    return c.json({ data: (await store.list(supplierId)).map(withLink) });
  });

  app.post(COLLECTION_PATH, (c) =>
    withUploadSlot(c, async () => {
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
    }),
  );

  app.put(COLLECTION_PATH, (c) =>
    withUploadSlot(c, async () => {
      const upload = await readUpload(c);
      if (!upload.ok) return badRequest(c, upload.errors);
      const { supplierId, fileName } = upload.value;
      const replaced = await store.replace(upload.value);
      if (!replaced) return notFound(c, supplierId, fileName, 'Use POST to create it.');
      logStored('replaced', replaced);
      return c.json(withLink(replaced), 200);
    }),
  );

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
    if (error instanceof DocumentStoreBusyError || error instanceof SharedStateUnavailableError) {
      logger.warn('supplier document write deferred', { method: c.req.method, reason: error.message });
      return retryLater(c, `The document store cannot take this request now (${error.message}).`);
    }
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
  const fileName = normalizeFileName(c.req.param('fileName') ?? '');
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

/** 503 with Retry-After: a condition that passes by itself (5xx: Jakamo may retry, preferably with backoff). */
function retryLater(c: Context, message: string) {
  c.header('Retry-After', String(RETRY_AFTER_SECONDS));
  return jakamoError(c, 503, 'Service unavailable', [{ message }]);
}

/** The rest of a refused body is not read, so the connection cannot carry another request: the client must not reuse it. */
function stopReading(c: Context): void {
  c.header('Connection', 'close');
}
