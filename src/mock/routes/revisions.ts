import type { MockApp, MockDeps } from '../context.js';
import { bomRevisionDocument, itemRevisions, mergedRevisionsDocument } from '../documents.js';
import { ApiError, MESSAGES, partNotFound } from '../errors.js';
import { requestOrigin } from '../request.js';
import { found, wholeNumberParam } from './params.js';

/** BOM revisions (8, 15), item revisions (9) and the merged item revisions document (16). */
export function registerRevisionRoutes(app: MockApp, { store }: MockDeps): void {
  app.get('/bom/:bomId/revisions', (c) => {
    const bom = found(store.boms.get(c.req.param('bomId')));
    return c.json(
      bom.revisions.map((revision) => ({
        id: revision.id,
        revisionNumber: revision.revisionNumber,
        docId: bom.id,
        description: revision.description,
      })),
    );
  });

  app.get('/bom/:bomId/revision/:revisionNumber', (c) => {
    const bom = found(store.boms.get(c.req.param('bomId')));
    const revisionNumber = wholeNumberParam('revisionNumber', c.req.param('revisionNumber'));
    const document = bomRevisionDocument(bom, revisionNumber, store.kinds, requestOrigin(c));
    if (!document) throw new ApiError(404, MESSAGES.revisionNotFound);
    return c.json(document);
  });

  // An unknown part number in a known catalog has no revisions: 200 [].
  app.get('/catalog/:catalogId/revisions/partnumber/:partNumber', (c) => {
    const catalog = found(store.catalogs.get(c.req.param('catalogId')));
    const partNumber = c.req.param('partNumber');
    return c.json(itemRevisions(store, catalog, partNumber, catalog.entries.get(partNumber)));
  });

  app.get('/catalog/:catalogId/revisions/merged/partnumber/:partNumber', (c) => {
    const catalog = found(store.catalogs.get(c.req.param('catalogId')));
    const partNumber = c.req.param('partNumber');
    const entry = catalog.entries.get(partNumber);
    if (!entry) throw partNotFound();
    return c.json(mergedRevisionsDocument(catalog, partNumber, entry, store.kinds, requestOrigin(c)));
  });
}
