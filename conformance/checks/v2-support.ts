/**
 * What the v2 supplier-document checks share: their URLs and request bodies, the judgement of an error answer,
 * and the clean-up that deletes every document a check created (each check marks its file names).
 *
 * v2 names no paths and no response bodies; the checks use those of spec/jakamo-file-callback.yaml
 * (`/suppliers/{supplierId}/documents`, SupplierDocument, SupplierDocumentList, Error).
 */
import type { CheckContext } from '../context.js';
import type { Exchange } from '../http.js';
import { schemaProblems } from '../schema.js';
import type { V2Settings } from '../settings.js';
import { describe, leakProblems, statusOf } from './support.js';

export const V2_RULES = {
  errors:
    'v2, Handling errors: "If the API returns an error, the response body will contain an error object. The error object contains a message and a list of errors."',
  badRequest: 'v2, HTTP codes: "400 - Bad request. The request was invalid. See the response body for details."',
  retries:
    'v2: "If a 4xx status code is returned, clients must take care not to retry the request without modification. If a 5xx status code is returned, clients may retry the request."',
  verbs:
    'v2, HTTP verbs: "POST - Create a new resource", "GET - Read one or more resources", "PUT - Replace a resource", "DELETE - Delete a resource"; HTTP codes: "201 - Created.", "404 - Not found. The requested resource was not found."',
  auth: 'v2: "All requests to the API must be authenticated. The authentication is done using an api key."; HTTP codes: "401 - Unauthorized. The request was not authenticated. See the response body for details."',
  paths: 'Paths and bodies as spec/jakamo-file-callback.yaml fixes them (v2 names none): /suppliers/{supplierId}/documents.',
} as const;

export interface MetaDataEntry {
  key: string;
  value: string;
}

export interface UploadBody {
  fileName?: unknown;
  base64EncodedContents?: unknown;
  metaData?: unknown;
}

export function v2Settings(ctx: CheckContext): V2Settings {
  const settings = ctx.settings.v2;
  if (!settings) throw new Error('a v2 check ran without the v2 settings');
  return settings;
}

/** `{baseUrl}/suppliers/{supplier}/documents`, for the configured supplier unless another is given. */
export function collectionUrl(ctx: CheckContext, supplier = v2Settings(ctx).supplier): string {
  return `${ctx.settings.baseUrl}/suppliers/${encodeURIComponent(supplier)}/documents`;
}

export function documentUrl(ctx: CheckContext, fileName: string, supplier = v2Settings(ctx).supplier): string {
  return `${collectionUrl(ctx, supplier)}/${encodeURIComponent(fileName)}`;
}

/** A marker unique to this run and check; every document the check creates has it in its file name. */
export function markerFor(ctx: CheckContext, check: string): string {
  return `${v2Settings(ctx).runMarker}-${check}-`;
}

export function upload(fileName: string, contents: Uint8Array, metaData: MetaDataEntry[] = []): UploadBody {
  return { fileName, base64EncodedContents: Buffer.from(contents).toString('base64'), metaData };
}

export function sendUpload(
  ctx: CheckContext,
  method: 'POST' | 'PUT',
  body: UploadBody | string | Uint8Array<ArrayBuffer>,
  contentType?: string,
  supplier?: string,
): Promise<Exchange> {
  const payload = typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body);
  return ctx.send({ url: collectionUrl(ctx, supplier), auth: 'key', method, body: payload, ...(contentType ? { contentType } : {}) });
}

export function parseJson(exchange: Exchange): { ok: true; value: unknown } | { ok: false; problem: string } {
  try {
    return { ok: true, value: JSON.parse(exchange.response?.text ?? '') };
  } catch {
    return { ok: false, problem: 'the body is not JSON' };
  }
}

/** The `data` array of a supplier documents answer (`{"data": [...]}`), whatever its status; undefined when it has none. */
export function listedData(exchange: Exchange): unknown[] | undefined {
  const json = parseJson(exchange);
  const data = json.ok && typeof json.value === 'object' && json.value !== null ? (json.value as { data?: unknown }).data : undefined;
  return Array.isArray(data) ? data : undefined;
}

/** Whether a listed entry is the document `fileName`. */
export const isNamed = (fileName: string) => (item: unknown) => (item as { fileName?: unknown } | null)?.fileName === fileName;

/** Problems of a JSON answer against a schema of the spec, as one phrase; undefined when it matches. */
export function bodyProblem(exchange: Exchange, schema: string, shown = `a valid ${schema}`): string | undefined {
  const json = parseJson(exchange);
  if (!json.ok) return `${json.problem}, so not ${shown}`;
  const problems = schemaProblems(schema, json.value);
  return problems.length === 0 ? undefined : `the body is not ${shown} (${problems.slice(0, 3).join('; ')})`;
}

/** Why an answer is not a server failure: no answer or a 5xx (which Jakamo may retry), a stack trace or the key. */
export function serverFailure(ctx: CheckContext, exchange: Exchange): string | undefined {
  const status = statusOf(exchange);
  if (status === undefined) return describe(exchange);
  if (status >= 500) return `the server failed with ${describe(exchange)}; a 5xx invites Jakamo to retry the same request (v2)`;
  const leaks = leakProblems(ctx, exchange);
  return leaks.length > 0 ? `${leaks.join('; ')} (${describe(exchange)})` : undefined;
}

/** Why an answer is not `expected` with the v2 error object; undefined when it is. */
export function errorAnswerProblem(ctx: CheckContext, exchange: Exchange, expected: 400 | 401 | 404): string | undefined {
  const failure = serverFailure(ctx, exchange);
  if (failure) return failure;
  if (statusOf(exchange) !== expected) return `${describe(exchange)} instead of ${expected}`;
  const problem = bodyProblem(exchange, 'Error', 'the v2 error object {"message", "errors": [...]}');
  if (problem) return `${expected} as expected, but ${problem}`;
  if (expected === 400 && !namesAField(exchange)) {
    return '400 as expected, but no entry of "errors" names the field that is wrong ({"message", "field"}); the caller cannot tell what to change';
  }
  return undefined;
}

/** Whether an error object names at least one field: an entry with a non-empty `field`. */
function namesAField(exchange: Exchange): boolean {
  const json = parseJson(exchange);
  const errors = json.ok ? (json.value as { errors?: unknown }).errors : undefined;
  return (
    Array.isArray(errors) &&
    errors.some((entry) => typeof (entry as { field?: unknown } | null)?.field === 'string' && (entry as { field: string }).field !== '')
  );
}

/** `METHOD /path…` of an exchange, shortened for messages. */
export function sent(exchange: Exchange): string {
  const { pathname } = new URL(exchange.request.url);
  const path = pathname.length > 90 ? `${pathname.slice(0, 87)}…` : pathname;
  return `${exchange.request.method} ${path}`;
}

export interface CleanUp {
  /** File names carrying the marker that were listed (documents the check's requests created). */
  found: string[];
  /** Those that could not be deleted. */
  kept: string[];
}

/** Deletes every listed document of the configured supplier (or `supplier`) whose file name carries `marker`. */
export async function removeMarked(ctx: CheckContext, marker: string, supplier = v2Settings(ctx).supplier): Promise<CleanUp> {
  const listing = await ctx.send({ url: collectionUrl(ctx, supplier), auth: 'key' });
  const data = statusOf(listing) === 200 ? listedData(listing) : undefined;
  const names = (data ?? [])
    .map((item) => (item as { fileName?: unknown } | null)?.fileName)
    .filter((name): name is string => typeof name === 'string' && name.includes(marker));
  const kept: string[] = [];
  for (const name of names) {
    const deleted = await ctx.send({ url: documentUrl(ctx, name, supplier), auth: 'key', method: 'DELETE' });
    if (statusOf(deleted) !== 200 && statusOf(deleted) !== 404) kept.push(name);
  }
  return { found: names, kept };
}

/** " (could not delete: …)" when a clean-up left documents behind. */
export function keptNote(cleanUp: CleanUp): string {
  return cleanUp.kept.length === 0
    ? ''
    : ` (could not delete what it created: ${cleanUp.kept.map((name) => JSON.stringify(name.slice(0, 80))).join(', ')})`;
}
