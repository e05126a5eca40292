import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import busboy from 'busboy';
import type { Context } from 'hono';
import { ApiError, MESSAGES, badRequest } from './errors.js';

export interface UploadedFile {
  /** The form field the file came in. */
  field: string;
  /** The part's filename (filename* preferred, as RFC 7578 allows), without any path; "" when it had none. */
  filename: string;
  /** The part's Content-Type ("application/octet-stream" when it had none). */
  mimeType: string;
  bytes: Uint8Array;
}

export interface UploadForm {
  /** Text fields, the first value of each name. */
  fields: Map<string, string>;
  /** File parts (parts with a filename), in order. */
  files: UploadedFile[];
}

/** Text fields are part numbers and column names: anything longer is not a real client's. */
const MAX_FIELD_BYTES = 64 * 1024;
const MAX_PARTS = 32;

/** The contract's 400 for uploads, followed by the problem. */
export const uploadError = (problem: string) => badRequest(`${MESSAGES.badRequest}: ${problem}.`);

/**
 * Reads a multipart/form-data body with busboy, streaming: what .NET's HttpClient (a quoted boundary, unquoted field
 * names, `filename*=utf-8''…`), Python requests (a file part without Content-Type), curl and PHP curl, Java's
 * multipart builders and browsers send is all read alike. A file over `maxFileBytes` → 413; a body that is really
 * malformed (no boundary, cut off before the closing boundary, too many parts) → 400 in OpenBOM's error shape.
 */
export async function readUploadForm(c: Context, maxFileBytes: number): Promise<UploadForm> {
  const contentType = c.req.header('content-type') ?? '';
  if (!/^multipart\/form-data\s*(;|$)/i.test(contentType)) throw uploadError('the body must be multipart/form-data');
  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers: { 'content-type': contentType },
      // Browsers and curl send UTF-8 file names in the plain `filename` parameter.
      defParamCharset: 'utf8',
      limits: { fileSize: maxFileBytes, fieldSize: MAX_FIELD_BYTES, parts: MAX_PARTS, fields: MAX_PARTS, files: MAX_PARTS },
    });
  } catch {
    throw uploadError('the multipart Content-Type has no boundary');
  }
  const body = c.req.raw.body;
  if (!body) throw uploadError('the multipart body is empty');

  return new Promise<UploadForm>((resolve, reject) => {
    const form: UploadForm = { fields: new Map(), files: [] };
    let failure: ApiError | undefined;
    const fail = (error: ApiError) => {
      failure ??= error;
    };
    parser.on('field', (name, value, info) => {
      if (info.valueTruncated) fail(uploadError(`form field "${name}" is longer than ${MAX_FIELD_BYTES} bytes`));
      if (!form.fields.has(name)) form.fields.set(name, value);
    });
    parser.on('file', (field, stream, info) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('limit', () => fail(new ApiError(413, MESSAGES.tooLarge)));
      stream.on('end', () => {
        if (!failure)
          form.files.push({ field, filename: info.filename ?? '', mimeType: info.mimeType, bytes: new Uint8Array(Buffer.concat(chunks)) });
      });
    });
    parser.on('partsLimit', () => fail(uploadError(`the form has more than ${MAX_PARTS} parts`)));
    parser.on('error', (error: Error) => reject(uploadError(`the multipart body is malformed (${error.message})`)));
    parser.on('close', () => (failure ? reject(failure) : resolve(form)));
    const source = Readable.fromWeb(body as NodeReadableStream<Uint8Array>);
    source.on('error', () => reject(uploadError('the multipart body could not be read')));
    source.pipe(parser);
  });
}
