/**
 * The on-disk form of one document version: ONE file holding the contents and a small JSON description,
 *
 *   JKDOC2\n<contents><description JSON>\nJKDOC2 <description byte length, 10 digits>\n
 *
 * so a description can never point at other contents than its own: a version is written whole to a temporary
 * file and swapped in with one rename. The contents come first so that an upload streams straight into the file
 * before its fileName and metaData (which may follow the contents in the JSON body) are known; the fixed-size last
 * line says where the description starts. The description's size and SHA-256 describe the contents.
 *
 * Files written by earlier versions (`JKDOC1 <description byte length>\n<description JSON>\n<contents>`) are
 * still read; every new version is written in the new form.
 */
import type { FileHandle } from 'node:fs/promises';
import type { MetaDataEntry, StoredSupplierDocument } from './store.js';

/** The first line of a version file; contents start right after it. */
export const DOCUMENT_HEADER = Buffer.from('JKDOC2\n', 'latin1');
const TRAILER_BYTES = 'JKDOC2 0000000000\n'.length;
/** Enough to hold the first line and, almost always, the whole description in a single read. */
const FIRST_READ_BYTES = 64 * 1024;
/** Far above what the schema allows (100 metaData entries of bounded size), so only a damaged file exceeds it. */
const MAX_DESCRIPTION_BYTES = 16 * 1024 * 1024;

export class CorruptDocumentError extends Error {
  constructor(path: string, reason: string) {
    super(`supplier document file ${path} is damaged: ${reason}`);
    this.name = 'CorruptDocumentError';
  }
}

/** Everything that follows the contents in the file. */
export function encodeDocumentTrailer(document: StoredSupplierDocument): Buffer {
  const description = Buffer.from(JSON.stringify(document), 'utf8');
  return Buffer.concat([description, Buffer.from(`\nJKDOC2 ${String(description.byteLength).padStart(10, '0')}\n`, 'latin1')]);
}

/** Reads a version's description and where its contents start; the file's length must match the description. */
export async function readDocumentPreamble(
  handle: FileHandle,
  path: string,
): Promise<{ document: StoredSupplierDocument; contentsOffset: number }> {
  const fileSize = (await handle.stat()).size;
  const start = Buffer.alloc(Math.min(DOCUMENT_HEADER.byteLength, fileSize));
  await readFully(handle, start, 0);
  if (start.equals(DOCUMENT_HEADER)) return readCurrentForm(handle, path, fileSize);
  return readFirstForm(handle, path, fileSize);
}

async function readCurrentForm(handle: FileHandle, path: string, fileSize: number) {
  const contentsOffset = DOCUMENT_HEADER.byteLength;
  if (fileSize < contentsOffset + TRAILER_BYTES) throw new CorruptDocumentError(path, 'truncated');
  const trailer = Buffer.alloc(TRAILER_BYTES);
  await readFully(handle, trailer, fileSize - TRAILER_BYTES);
  const match = /^JKDOC2 (\d{10})\n$/.exec(trailer.toString('latin1'));
  if (!match) throw new CorruptDocumentError(path, 'no JKDOC2 last line');
  const descriptionBytes = Number(match[1]);
  const descriptionEnd = fileSize - TRAILER_BYTES - 1;
  const descriptionStart = descriptionEnd - descriptionBytes;
  if (descriptionBytes > MAX_DESCRIPTION_BYTES || descriptionStart < contentsOffset)
    throw new CorruptDocumentError(path, 'truncated description');
  const description = Buffer.alloc(descriptionBytes + 1);
  await readFully(handle, description, descriptionStart);
  if (description[descriptionBytes] !== 0x0a) throw new CorruptDocumentError(path, 'description not terminated');
  const document = parseDescription(description.subarray(0, -1).toString('utf8'), path);
  if (descriptionStart !== contentsOffset + document.size) {
    throw new CorruptDocumentError(path, `contents are ${descriptionStart - contentsOffset} bytes, the description says ${document.size}`);
  }
  return { document, contentsOffset };
}

/** The form written before contents were streamed: description first. */
async function readFirstForm(handle: FileHandle, path: string, fileSize: number) {
  const head = Buffer.alloc(Math.min(FIRST_READ_BYTES, fileSize));
  await readFully(handle, head, 0);
  const lineEnd = head.indexOf(0x0a);
  const firstLine = lineEnd < 0 ? '' : head.subarray(0, lineEnd).toString('latin1');
  const match = /^JKDOC1 (\d{1,10})$/.exec(firstLine);
  if (!match) throw new CorruptDocumentError(path, 'no JKDOC1 or JKDOC2 header line');
  const descriptionBytes = Number(match[1]);
  const descriptionStart = lineEnd + 1;
  const contentsOffset = descriptionStart + descriptionBytes + 1;
  if (descriptionBytes > MAX_DESCRIPTION_BYTES || contentsOffset > fileSize) throw new CorruptDocumentError(path, 'truncated description');

  let description = head.subarray(descriptionStart, contentsOffset);
  if (contentsOffset > head.byteLength) {
    description = Buffer.alloc(contentsOffset - descriptionStart);
    await readFully(handle, description, descriptionStart);
  }
  if (description[description.byteLength - 1] !== 0x0a) throw new CorruptDocumentError(path, 'description not terminated');
  const document = parseDescription(description.subarray(0, -1).toString('utf8'), path);
  if (fileSize !== contentsOffset + document.size) {
    throw new CorruptDocumentError(path, `contents are ${fileSize - contentsOffset} bytes, the description says ${document.size}`);
  }
  return { document, contentsOffset };
}

async function readFully(handle: FileHandle, into: Buffer, position: number): Promise<void> {
  let filled = 0;
  while (filled < into.byteLength) {
    const { bytesRead } = await handle.read(into, filled, into.byteLength - filled, position + filled);
    if (bytesRead === 0) throw new Error('unexpected end of file');
    filled += bytesRead;
  }
}

function parseDescription(text: string, path: string): StoredSupplierDocument {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new CorruptDocumentError(path, 'description is not JSON');
  }
  const candidate = value as Partial<Record<keyof StoredSupplierDocument, unknown>> | null;
  const isText = (field: unknown): field is string => typeof field === 'string';
  const isEntry = (entry: unknown): entry is MetaDataEntry =>
    typeof entry === 'object' && entry !== null && isText((entry as MetaDataEntry).key) && isText((entry as MetaDataEntry).value);
  if (
    candidate === null ||
    typeof candidate !== 'object' ||
    !isText(candidate.supplierId) ||
    !isText(candidate.fileName) ||
    !Array.isArray(candidate.metaData) ||
    !candidate.metaData.every(isEntry) ||
    !Number.isSafeInteger(candidate.size) ||
    (candidate.size as number) < 0 ||
    !isText(candidate.sha256) ||
    !isText(candidate.createdAt) ||
    !isText(candidate.updatedAt)
  ) {
    throw new CorruptDocumentError(path, 'description lacks a field');
  }
  const { supplierId, fileName, metaData, size, sha256, createdAt, updatedAt, fence } = candidate as StoredSupplierDocument;
  return { supplierId, fileName, metaData, size, sha256, createdAt, updatedAt, ...(Number.isSafeInteger(fence) ? { fence } : {}) };
}
