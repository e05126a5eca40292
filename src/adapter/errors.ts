/**
 * The Jakamo File Callback API's one error shape (v2 "Handling errors": an error object with a message and a list
 * of errors), made in one place for every route of the adapter, v1 and v2 alike; and the API key check that
 * answers with it.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { matchesAnySecret } from '../shared/secrets.js';

/** One entry of `errors`; `field` names the request field at fault, when there is one. */
export interface ErrorEntry {
  message: string;
  field?: string;
}

/** The statuses the adapter answers with an error object. */
export type JakamoErrorStatus = 400 | 401 | 404 | 405 | 500 | 502 | 503;

/** `{"message", "errors"}` with its status (spec/jakamo-file-callback.yaml, components.schemas.Error). */
export function jakamoError(c: Context, status: JakamoErrorStatus, message: string, errors: ErrorEntry[]): Response {
  return c.json({ message, errors }, status);
}

/** 400 with every problem listed. */
export function badRequest(c: Context, errors: ErrorEntry[]): Response {
  return jakamoError(c, 400, 'Bad request', errors);
}

export interface ApiKeyCheckOptions {
  /** The header carrying the key (Jakamo's api_key_header); looked up ignoring case. */
  header: string;
  /** Every accepted key (several while one is rotated). */
  keys: readonly string[];
}

/**
 * Lets a request through only with one of the keys in the header; otherwise 401 with the error object.
 * The comparison is constant-time over every accepted key, and the answer never repeats what was sent.
 */
export function requireApiKey({ header, keys }: ApiKeyCheckOptions): MiddlewareHandler {
  return async (c, next) => {
    if (!matchesAnySecret(c.req.header(header), keys)) {
      return jakamoError(c, 401, 'Unauthorized', [{ message: `Missing or invalid API key in the ${header} header.` }]);
    }
    await next();
  };
}
