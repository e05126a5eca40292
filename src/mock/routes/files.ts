import type { Context } from 'hono';
import mime from 'mime-types';
import type { MockApp, MockDeps, MockEnv } from '../context.js';
import { ApiError, MESSAGES, badRequest, errorResponse } from '../errors.js';
import { requestOrigin, requireQuery } from '../request.js';
import type { SheetDoc } from '../store.js';
import { found } from './params.js';

/** Get image file (24, a 302 to presigned storage), the storage itself, and uploads (25, 26). */
export function registerFileRoutes(app: MockApp, { store, signer }: MockDeps): void {
  app.get('/document/:docId/image', (c) => {
    const docId = c.req.param('docId');
    found(store.sheet(docId));
    const name = requireQuery(c, 'filename');
    if (!store.file(docId, name)) throw new ApiError(404, MESSAGES.fileNotFound);
    // Body `{}`: every reply is JSON, even a redirect, for clients that call res.json() without following it.
    return c.json({}, 302, { Location: `${requestOrigin(c)}${signer.signedPath(docId, name)}` });
  });

  // The "object store": no OpenBOM headers, only a valid, unexpired signature (HEAD is served from this GET by Hono).
  app.get('/__storage/:docId/:name', (c) => {
    const docId = c.req.param('docId');
    const name = c.req.param('name');
    if (!signer.verify(docId, name, c.req.query('expires'), c.req.query('signature'))) return errorResponse(c, 403, MESSAGES.storageDenied);
    const file = store.file(docId, name);
    if (!file) return errorResponse(c, 404, MESSAGES.fileNotFound);
    return c.body(file.bytes as Uint8Array<ArrayBuffer>, 200, { 'Content-Type': file.contentType, 'Content-Length': String(file.bytes.byteLength) });
  });

  app.post('/document/:docId/image', (c) => upload(c, store.sheet(c.req.param('docId'))));
  app.post('/catalog/:catalogId/image', (c) => upload(c, store.catalogs.get(c.req.param('catalogId'))));

  async function upload(c: Context<MockEnv>, document: SheetDoc | undefined): Promise<Response> {
    const doc = found(document);
    const form = await multipartForm(c);
    const file = form.get('file');
    const partNumber = form.get('partNumber');
    const column = form.get('imageProperty');
    if (!(file instanceof File)) throw uploadError('form field "file" with a file is required');
    if (typeof partNumber !== 'string' || partNumber === '') throw uploadError('form field "partNumber" is required');
    if (typeof column !== 'string' || column === '') throw uploadError('form field "imageProperty" is required');
    const name = baseName(file.name) || 'upload.bin';
    const contentType = file.type || mime.lookup(name) || 'application/octet-stream';
    store.attachFile(doc, partNumber, column, { name, contentType, bytes: new Uint8Array(await file.arrayBuffer()) }, c.get('user'));
    return c.json({}, 201);
  }
}

async function multipartForm(c: Context<MockEnv>): Promise<FormData> {
  if (!c.req.header('content-type')?.toLowerCase().startsWith('multipart/form-data')) throw uploadError('the body must be multipart/form-data');
  try {
    return await c.req.formData();
  } catch {
    throw uploadError('the multipart body could not be read');
  }
}

const uploadError = (problem: string) => badRequest(`${MESSAGES.badRequest}: ${problem}.`);

/** Browsers may send "C:\\fakepath\\x.png"; keep only the last path segment. */
const baseName = (name: string) => name.split(/[\\/]/).pop() ?? '';
