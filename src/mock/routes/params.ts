import type { Context } from 'hono';
import { badRequest, documentNotFound } from '../errors.js';

/** The document, or 404 `Document not found.` */
export function found<T>(document: T | undefined): T {
  if (document === undefined) throw documentNotFound();
  return document;
}

/** `?useview=` (default true). */
export function useViewParam(c: Context): boolean {
  const value = c.req.query('useview')?.toLowerCase();
  if (value === undefined || value === '' || value === 'true') return true;
  if (value === 'false') return false;
  throw badRequest('Parameter ["useview"] must be true or false.');
}

export function wholeNumberParam(name: string, value: string): number {
  if (!/^\d{1,9}$/.test(value)) throw badRequest(`Parameter ["${name}"] must be a whole number.`);
  return Number(value);
}
