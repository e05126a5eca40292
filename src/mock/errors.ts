import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { ERROR_MESSAGE_MAX_CHARS, excerpt } from '../shared/limits.js';

/**
 * An OpenBOM-style error: a status and the `{"error": message}` body the real service sends.
 * Route code throws these; app.onError turns them into responses in one place.
 */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: ContentfulStatusCode,
    message: string,
  ) {
    super(message);
  }
}

/** The exact strings of the contract (and of decisions-openbom.md where the contract is silent). */
export const MESSAGES = {
  appKey: 'Missing or invalid developer application key[app_key]',
  accessToken: 'Missing or invalid access token.',
  adminToken: 'Missing or invalid admin token.',
  notFound: 'Not found.',
  methodNotAllowed: 'Method not allowed.',
  tooLarge: 'Request entity too large.',
  documentNotFound: 'Document not found.',
  partNotFound: 'Part not found.',
  fileNotFound: 'File not found.',
  revisionNotFound: 'Revision not found.',
  internal: 'Something went wrong. Please try again later.',
  bomExists: 'BOM exists with name, BOM names are unique.',
  catalogExists: 'Catalog exists with name, catalog names are unique.',
  storageDenied: 'Request has expired or the signature does not match.',
  badRequest: 'BAD_REQUEST',
  rateLimited: (limit: number) => `Too many requests. The limit is ${limit} requests per second.`,
  unauthenticated: (username: string) => `Unable to authenticate user[${username}]`,
  missingParameter: (name: string) => `Parameter ["${name}"] not found.`,
  notANumber: (property: string) => `Property ["${property}"] is a number property; the value must be a number.`,
} as const;

export const badRequest = (message: string) => new ApiError(400, message);
export const documentNotFound = () => new ApiError(404, MESSAGES.documentNotFound);
export const partNotFound = () => new ApiError(404, MESSAGES.partNotFound);

export function errorResponse(c: Context, status: ContentfulStatusCode, message: string, headers?: Record<string, string>): Response {
  // Messages may quote what a request sent (a part number, a user name): bounded, so no answer echoes megabytes.
  return c.json({ error: excerpt(message, ERROR_MESSAGE_MAX_CHARS) }, status, headers);
}

/** Raised by an injected "drop" fault when there is no real socket to destroy (in-process app.request()). */
export class ConnectionDropped extends Error {
  override name = 'ConnectionDropped';
  constructor() {
    super('connection dropped by an injected fault');
  }
}
