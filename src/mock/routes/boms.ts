import { MESSAGES, badRequest, documentNotFound } from '../errors.js';
import type { MockApp, MockDeps } from '../context.js';
import { bomDocument, bomListing, flattenedBomDocument, orderBomDocument, orderBomListing } from '../documents.js';
import { jsonText, optionalString, readJsonObject, requestOrigin, requireString } from '../request.js';
import type { BomDoc } from '../store.js';
import { found, useViewParam } from './params.js';

const BYPARAMS_KEYS = ['name', 'bomPartNumber'] as const;

/** BOM and order BOM listings and documents, create, delete, find by parameters (endpoints 3–5, 10–12, 19, 21, 27). */
export function registerBomRoutes(app: MockApp, { store }: MockDeps): void {
  app.get('/boms', (c) => c.json(Array.from(store.boms.values(), bomListing)));
  app.get('/toplevelboms', (c) => c.json([...store.boms.values()].filter((bom) => store.isTopLevel(bom)).map(bomListing)));
  app.get('/orderboms', (c) => c.json(Array.from(store.orderBoms.values(), orderBomListing)));

  app.post('/bom/create', async (c) => {
    const body = await readJsonObject(c);
    const input = {
      name: requireString(body, 'docName'),
      partNumber: optionalString(body, 'bomPartNumber'),
      catalogId: optionalString(body, 'catalogId'),
      templateId: optionalString(body, 'templateId'),
    };
    const bom = store.createBom(input, c.get('user'));
    return c.json(bomDocument(bom, store.kinds, requestOrigin(c), true));
  });

  app.post('/boms/byparams', async (c) => {
    const body = await readJsonObject(c);
    for (const key of Object.keys(body)) {
      if (!(BYPARAMS_KEYS as readonly string[]).includes(key))
        throw badRequest(`Unknown parameter ["${key}"]; use name and/or bomPartNumber.`);
    }
    const name = optionalString(body, 'name');
    const partNumber = optionalString(body, 'bomPartNumber');
    if (name === undefined && partNumber === undefined) throw badRequest(MESSAGES.missingParameter('name'));
    const candidates: Iterable<BomDoc> = partNumber === undefined ? store.boms.values() : store.bomsWithPartNumber(partNumber);
    const matches = [...candidates].filter((bom) => name === undefined || bom.name === name);
    return c.json(matches.map(bomListing));
  });

  app.get('/bom/:bomId', (c) => {
    const bom = found(store.boms.get(c.req.param('bomId')));
    const useView = useViewParam(c);
    const origin = requestOrigin(c);
    return jsonText(
      c,
      bom.rendered.get(`${origin} ${useView}`, () => JSON.stringify(bomDocument(bom, store.kinds, origin, useView))),
    );
  });

  app.delete('/bom/:bomId', (c) => {
    if (!store.deleteBom(c.req.param('bomId'))) throw documentNotFound();
    return c.json({});
  });

  app.get('/flattenedbom/:bomId', (c) => {
    const bom = found(store.boms.get(c.req.param('bomId')));
    return c.json(flattenedBomDocument(store, bom, requestOrigin(c)));
  });

  app.get('/orderbom/:orderBomId', (c) => {
    const order = found(store.orderBoms.get(c.req.param('orderBomId')));
    const origin = requestOrigin(c);
    return jsonText(
      c,
      order.rendered.get(origin, () => JSON.stringify(orderBomDocument(order, store.kinds, origin))),
    );
  });
}
