import type { Context } from 'hono';
import type { NodeBindings } from './context.js';
import { ApiError, MESSAGES, badRequest } from './errors.js';

export type JsonObject = Record<string, unknown>;

/** Parses the request body as JSON whatever its Content-Type (the contract's curl examples often omit it). Empty body → undefined. */
export async function readJson(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw badRequest('Malformed JSON in request body.');
  }
}

/** A JSON object body; an empty body reads as `{}` so that missing parameters are reported by name. */
export async function readJsonObject(c: Context): Promise<JsonObject> {
  const body = (await readJson(c)) ?? {};
  if (!isPlainObject(body)) throw badRequest('Request body must be a JSON object.');
  return body;
}

export function isPlainObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A required, non-empty string parameter, reported in OpenBOM's words when missing. */
export function requireString(body: JsonObject, name: string): string {
  const value = optionalString(body, name);
  if (value === undefined || value === '') throw new ApiError(400, MESSAGES.missingParameter(name));
  return value;
}

/** An optional string parameter; an empty string counts as absent (the contract's examples send `""` for unused ids). */
export function optionalString(body: JsonObject, name: string): string | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw badRequest(`Parameter ["${name}"] must be a string.`);
  return value === '' ? undefined : value;
}

export function optionalBoolean(body: JsonObject, name: string): boolean | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw badRequest(`Parameter ["${name}"] must be true or false.`);
  return value;
}

/** A required query parameter (the real clients' `?partNumber=` forms). */
export function requireQuery(c: Context, name: string): string {
  const value = c.req.query(name);
  if (value === undefined || value === '') throw new ApiError(400, MESSAGES.missingParameter(name));
  return value;
}

/** Scheme + host the client used, so absolute URLs we hand out match whatever base URL it was given. */
export function requestOrigin(c: Context): string {
  const url = c.req.url;
  return url.slice(0, url.indexOf('/', url.indexOf('://') + 3));
}

/** Path plus query string, as the client sent it (for the journal). */
export function requestTarget(c: Context): string {
  const url = c.req.url;
  return url.slice(url.indexOf('/', url.indexOf('://') + 3));
}

const JSON_HEADERS = { 'content-type': 'application/json' } as const;

/** A response for JSON that is already serialized, as UTF-8 bytes (cached documents). */
export function jsonText(c: Context, json: Uint8Array<ArrayBuffer>, status: 200 | 201 = 200): Response {
  return c.body(json, status, JSON_HEADERS);
}

/**
 * A request header by its lower-case name. On a real socket it is read from Node's already-parsed IncomingMessage:
 * asking the Fetch-style request instead builds a whole Headers object, a large share of a cached GET's cost.
 */
export function headerOf(c: Context, lowerCaseName: string): string | undefined {
  const incoming = (c.env as NodeBindings)?.incoming;
  if (!incoming) return c.req.header(lowerCaseName);
  const value = incoming.headers[lowerCaseName];
  return Array.isArray(value) ? value.join(', ') : value;
}
