import type { Context } from 'hono';
import mime from 'mime-types';
import type { MockApp, MockDeps, MockEnv } from '../context.js';
import { ApiError, MESSAGES, documentNotFound, errorResponse } from '../errors.js';
import { readUploadForm, uploadError } from '../multipart.js';
import { requestOrigin, requireQuery } from '../request.js';
import type { SheetDoc } from '../store.js';
import { found } from './params.js';

const GENERIC_TYPES = new Set(['text/plain', 'application/octet-stream']);

/** Get image file (24, a 302 to presigned storage), the storage itself, and uploads (25, 26). */
export function registerFileRoutes(app: MockApp, { store, signer, maxBodyBytes }: MockDeps): void {
  app.get('/document/:docId/image', (c) => {
    const docId = c.req.param('docId');
    if (!store.hasFileDocument(docId)) throw documentNotFound();
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
    return c.body(file.bytes as Uint8Array<ArrayBuffer>, 200, {
      'Content-Type': file.contentType,
      'Content-Length': String(file.bytes.byteLength),
    });
  });

  app.post('/document/:docId/image', (c) => upload(c, store.sheet(c.req.param('docId'))));
  app.post('/catalog/:catalogId/image', (c) => upload(c, store.catalogs.get(c.req.param('catalogId'))));

  async function upload(c: Context<MockEnv>, document: SheetDoc | undefined): Promise<Response> {
    const doc = found(document);
    const form = await readUploadForm(c, maxBodyBytes);
    const file = form.files.find((part) => part.field === 'file');
    const partNumber = form.fields.get('partNumber');
    const column = form.fields.get('imageProperty');
    if (!file) {
      throw uploadError(
        form.fields.has('file') ? 'form field "file" must be a file part (with a filename)' : 'form field "file" with a file is required',
      );
    }
    if (partNumber === undefined || partNumber === '') throw uploadError('form field "partNumber" is required');
    if (column === undefined || column === '') throw uploadError('form field "imageProperty" is required');
    const name = file.filename || 'upload.bin';
    // A part without Content-Type reads as text/plain (RFC 7578's default), and octet-stream says nothing either:
    // for those the name tells the type better.
    const contentType = GENERIC_TYPES.has(file.mimeType) ? mime.lookup(name) || file.mimeType : file.mimeType;
    store.attachFile(doc, partNumber, column, { name, contentType, bytes: file.bytes }, c.get('user'));
    return c.json({}, 201);
  }
}
