import type { Context } from 'hono';
import type { MockApp, MockDeps, MockEnv } from '../context.js';
import { ApiError, MESSAGES, badRequest } from '../errors.js';
import { isPlainObject, readJson, readJsonObject, requireQuery, requireString, type JsonObject } from '../request.js';
import type { RowUpsert, SheetDoc } from '../store.js';
import { found } from './params.js';

/** Row writes, the same for BOMs and catalogs: PUT parts (23), property values (17, 18), remove part (29, 30). */
export function registerRowRoutes(app: MockApp, { store }: MockDeps): void {
  // Parameter names match the other routes' (:bomId, :catalogId) so Hono can use its fast RegExpRouter.
  const documents = [
    { prefix: '/bom/:bomId', param: 'bomId', find: (id: string): SheetDoc | undefined => store.boms.get(id) },
    { prefix: '/catalog/:catalogId', param: 'catalogId', find: (id: string): SheetDoc | undefined => store.catalogs.get(id) },
  ];
  for (const { prefix, param, find } of documents) {
    const documentOf = (c: Context<MockEnv>) => found(find(c.req.param(param) ?? ''));

    app.put(`${prefix}/parts`, async (c) => {
      const doc = documentOf(c);
      const upserts = rowUpserts(await readJson(c));
      return c.json(store.upsertRows(doc, upserts, c.get('user')));
    });

    app.post(`${prefix}/propertyvalue`, async (c) => {
      const doc = documentOf(c);
      const body = await readJsonObject(c);
      const change = {
        keyColumn: requireString(body, 'partNumberPropertyName'),
        key: requireKey(body, 'partNumber'),
        column: requireString(body, 'propertyName'),
        value: propertyValue(body),
      };
      store.setPropertyValue(doc, change, c.get('user'));
      return c.json({ message: 'property value updated.' });
    });

    // The contract's path form and the query form public clients use (for part numbers that do not fit a path).
    app.delete(`${prefix}/removepart/:partNumber`, (c) => {
      store.removePart(documentOf(c), c.req.param('partNumber') ?? '', c.get('user'));
      return c.json({});
    });
    app.delete(`${prefix}/removepart`, (c) => {
      const doc = documentOf(c);
      store.removePart(doc, requireQuery(c, 'partNumber'), c.get('user'));
      return c.json({});
    });
  }
}

/** `[{ partNumber, properties }]`; partNumber may be a number and may be left out where the catalog generates them. */
function rowUpserts(body: unknown): RowUpsert[] {
  if (!Array.isArray(body)) throw badRequest('Request body must be an array of {"partNumber", "properties"} objects.');
  return body.map((item: unknown, index) => {
    if (!isPlainObject(item)) throw badRequest(`Item ${index} must be an object with "partNumber" and "properties".`);
    const { partNumber, properties = {} } = item;
    if (partNumber !== undefined && partNumber !== null && typeof partNumber !== 'string' && typeof partNumber !== 'number') {
      throw badRequest(`Item ${index}: "partNumber" must be a string.`);
    }
    if (!isPlainObject(properties)) throw badRequest(`Item ${index}: "properties" must be an object of column names and values.`);
    const upsert: RowUpsert = { properties };
    if (partNumber !== undefined && partNumber !== null && partNumber !== '') upsert.partNumber = String(partNumber);
    return upsert;
  });
}

function requireKey(body: JsonObject, name: string): string {
  const value = body[name];
  if (typeof value === 'number') return String(value);
  return requireString(body, name);
}

function propertyValue(body: JsonObject): string | number | boolean | null {
  if (!('propertyValue' in body)) throw new ApiError(400, MESSAGES.missingParameter('propertyValue'));
  const value = body.propertyValue;
  if (value === null || typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value)))
    return value;
  throw badRequest('Parameter ["propertyValue"] must be a string, number, boolean or null.');
}
