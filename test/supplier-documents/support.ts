/** Shared pieces of the supplier-document tests: the key check stand-in, request helpers and self-checking contents. */
import { createHash } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { MetaDataEntry } from '../../src/adapter/supplier-documents/index.js';

export const TEST_KEY = 'supplier-docs-test-key-0123';
export const PUBLIC_BASE_URL = 'http://adapter.test';

/** Stands in for the adapter's key check: same header, same 401 error object. */
export const requireTestKey: MiddlewareHandler = async (c, next) => {
  if (c.req.header('X-API-KEY') !== TEST_KEY) {
    return c.json({ message: 'Unauthorized', errors: [{ message: 'Missing or invalid API key in the X-API-KEY header.' }] }, 401);
  }
  await next();
};

export const KEY_HEADERS = { 'X-API-KEY': TEST_KEY, 'Content-Type': 'application/json' };

export function uploadBody(fileName: string, contents: Uint8Array | string, metaData?: MetaDataEntry[]): string {
  return JSON.stringify({ fileName, base64EncodedContents: Buffer.from(contents).toString('base64'), ...(metaData ? { metaData } : {}) });
}

/**
 * Contents that prove themselves: version `version` of document `name` is a size derived from both, filled with
 * repeated SHA-256 blocks of both, so any mix of two versions, any truncation or any foreign bytes is detectable
 * knowing only the version (kept in metaData as "version").
 */
export function versionContents(name: string, version: number, { minBytes = 16 * 1024, spreadBytes = 512 * 1024 } = {}): Buffer {
  const seed = createHash('sha256').update(`${name}:${version}`).digest();
  const size = minBytes + (seed.readUInt32BE(0) % spreadBytes);
  const contents = Buffer.alloc(size);
  for (let offset = 0; offset < size; offset += seed.length) seed.copy(contents, offset);
  return contents;
}

export function versionOf(metaData: MetaDataEntry[]): number {
  const entry = metaData.find(({ key }) => key === 'version');
  if (!entry) throw new Error('no version in metaData');
  return Number(entry.value);
}

export async function readAll(stream: ReadableStream<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

export const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
