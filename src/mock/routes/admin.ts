import { fixtureToYaml } from '../../fixtures/dump.js';
import type { MockApp, MockDeps } from '../context.js';
import { ApiError, badRequest } from '../errors.js';
import { parseFaultSpec } from '../faults.js';
import { readJson } from '../request.js';

/** /__admin: reset, journal, faults, token expiry, state dump. Exempt from OpenBOM auth; guarded by the admin token in the pipeline. */
export function registerAdminRoutes(app: MockApp, deps: MockDeps): void {
  const { store, journal, faults, tokens, limiter } = deps;

  // Data, journal and faults go back to the start; issued tokens stay valid so connected clients keep working.
  app.post('/__admin/reset', (c) => {
    store.reset();
    journal.clear();
    faults.clear();
    limiter?.reset();
    return c.json({ reset: true });
  });

  app.get('/__admin/requests', (c) => {
    const since = c.req.query('since');
    let sinceMs: number | undefined;
    if (since !== undefined) {
      sinceMs = Date.parse(since);
      if (Number.isNaN(sinceMs)) throw badRequest('Parameter ["since"] must be an ISO 8601 time.');
    }
    return c.json({ requests: journal.list(sinceMs) });
  });
  app.delete('/__admin/requests', (c) => c.json({ cleared: journal.clear() }));

  app.post('/__admin/faults', async (c) => c.json(faults.add(parseFaultSpec(await readJson(c))), 201));
  app.get('/__admin/faults', (c) => c.json({ faults: faults.list() }));
  app.delete('/__admin/faults', (c) => c.json({ cleared: faults.clear() }));
  app.delete('/__admin/faults/:id', (c) => {
    if (!faults.remove(c.req.param('id'))) throw new ApiError(404, 'Fault not found.');
    return c.json({ deleted: c.req.param('id') });
  });

  app.post('/__admin/tokens/expire', (c) => c.json({ expired: tokens.expireAll() }));

  // The current data as fixture YAML (files inlined) that loads back unchanged.
  app.get('/__admin/state', (c) => c.body(fixtureToYaml(store.toFixture()), 200, { 'Content-Type': 'application/yaml; charset=utf-8' }));
}
