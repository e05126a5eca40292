import type { PartNumberPattern } from '../../fixtures/types.js';
import type { MockApp, MockDeps } from '../context.js';
import { catalogDocument, catalogItemDocument, catalogListing } from '../documents.js';
import { badRequest, documentNotFound, partNotFound } from '../errors.js';
import {
  isPlainObject,
  jsonText,
  optionalBoolean,
  readJsonObject,
  requestOrigin,
  requireQuery,
  requireString,
  type JsonObject,
} from '../request.js';
import { found } from './params.js';

const PATTERN_FIELDS = ['prefix', 'separator', 'seqStart', 'seqEnd', 'seqStep', 'suffix'] as const;

/** Catalog listing, document, create, delete and the one-row read real clients use (endpoints 6, 13, 22, 28 + item). */
export function registerCatalogRoutes(app: MockApp, { store }: MockDeps): void {
  app.get('/catalogs', (c) => c.json(Array.from(store.catalogs.values(), catalogListing)));

  app.post('/catalog/create', async (c) => {
    const body = await readJsonObject(c);
    const pattern = partNumberPattern(body);
    const catalog = store.createCatalog(
      {
        name: requireString(body, 'docName'),
        autoPartNumbers: optionalBoolean(body, 'autoPartNumbers'),
        uniquePartNumbers: optionalBoolean(body, 'uniquePartNumbers'),
        ...(pattern ? { partNumberPattern: pattern } : {}),
      },
      c.get('user'),
    );
    return c.json(catalogDocument(catalog, store.kinds, requestOrigin(c)), 201);
  });

  app.get('/catalog/:catalogId', (c) => {
    const catalog = found(store.catalogs.get(c.req.param('catalogId')));
    const origin = requestOrigin(c);
    return jsonText(
      c,
      catalog.rendered.get(origin, () => JSON.stringify(catalogDocument(catalog, store.kinds, origin))),
    );
  });

  app.delete('/catalog/:catalogId', (c) => {
    if (!store.deleteCatalog(c.req.param('catalogId'))) throw documentNotFound();
    return c.json({});
  });

  app.get('/catalog/:catalogId/item', (c) => {
    const catalog = found(store.catalogs.get(c.req.param('catalogId')));
    const partNumber = requireQuery(c, 'partNumber');
    const entry = catalog.entries.get(partNumber);
    if (!entry) throw partNotFound();
    return c.json(catalogItemDocument(catalog, partNumber, entry.row, store.kinds, requestOrigin(c)));
  });
}

/** The optional partNumberPattern: every field a string (missing ones empty). */
function partNumberPattern(body: JsonObject): PartNumberPattern | undefined {
  const input = body.partNumberPattern;
  if (input === undefined || input === null) return undefined;
  if (!isPlainObject(input)) throw badRequest('Parameter ["partNumberPattern"] must be an object.');
  const pattern = { prefix: '', separator: '', seqStart: '1', seqEnd: '', seqStep: '1', suffix: '' };
  for (const field of PATTERN_FIELDS) {
    const value = input[field];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string' && typeof value !== 'number')
      throw badRequest(`Parameter ["partNumberPattern.${field}"] must be a string.`);
    pattern[field] = String(value);
  }
  for (const field of ['seqStart', 'seqEnd', 'seqStep'] as const) {
    if (pattern[field] !== '' && !/^\d+$/.test(pattern[field]))
      throw badRequest(`Parameter ["partNumberPattern.${field}"] must be a whole number.`);
  }
  return pattern;
}
