import type { MockApp, MockDeps } from '../context.js';
import { propertyTableDocument, propertyTableListing, templateListing } from '../documents.js';
import { found } from './params.js';

/** Templates (20) and property tables (7, 14): read-only, straight from the fixture. */
export function registerLibraryRoutes(app: MockApp, { store }: MockDeps): void {
  app.get('/templates', (c) => c.json(Array.from(store.templates.values(), templateListing)));
  app.get('/propertytables', (c) => c.json(Array.from(store.propertyTables.values(), propertyTableListing)));
  app.get('/propertytable/:propertyTableId', (c) =>
    c.json(propertyTableDocument(found(store.propertyTables.get(c.req.param('propertyTableId'))))),
  );
}
