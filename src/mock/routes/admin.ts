import { fixtureToYaml } from '../../fixtures/dump.js';
import type { MockApp, MockDeps } from '../context.js';
import { ApiError, badRequest } from '../errors.js';
import { parseFaultSpec } from '../faults.js';
import { isPlainObject, readJson } from '../request.js';

/** /__admin: reset, journal, faults, token expiry, state dump. Exempt from OpenBOM auth; guarded by the admin token in the pipeline. */
export function registerAdminRoutes(app: MockApp, deps: MockDeps): void {
  const { store, journal, faults, tokens, limiter, signer } = deps;

  // Data, journal, faults and settings go back to the start; issued tokens stay valid so connected clients keep working.
  app.post('/__admin/reset', (c) => {
    store.reset();
    journal.clear();
    faults.clear();
    limiter?.reset();
    signer.resetTtl();
    return c.json({ reset: true });
  });

  const settings = () => ({ storageUrlTtlMs: signer.urlTtlMs });
  app.get('/__admin/settings', (c) => c.json(settings()));
  app.patch('/__admin/settings', async (c) => {
    const changes = parseSettings(await readJson(c));
    if (changes.storageUrlTtlMs !== undefined) signer.urlTtlMs = changes.storageUrlTtlMs;
    return c.json(settings());
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

/** Longest storage URL lifetime the admin API accepts: a day. */
const MAX_STORAGE_URL_TTL_MS = 86_400_000;

/** A settings change: only known fields, each checked; a problem is a 400 naming the field. */
function parseSettings(input: unknown): { storageUrlTtlMs?: number } {
  if (!isPlainObject(input)) throw badRequest('Settings must be a JSON object.');
  for (const key of Object.keys(input)) if (key !== 'storageUrlTtlMs') throw badRequest(`Unknown setting "${key}".`);
  const { storageUrlTtlMs } = input;
  if (storageUrlTtlMs === undefined) return {};
  if (!Number.isInteger(storageUrlTtlMs) || (storageUrlTtlMs as number) < 0 || (storageUrlTtlMs as number) > MAX_STORAGE_URL_TTL_MS) {
    throw badRequest(`Setting "storageUrlTtlMs" must be a whole number from 0 to ${MAX_STORAGE_URL_TTL_MS}.`);
  }
  return { storageUrlTtlMs: storageUrlTtlMs as number };
}
