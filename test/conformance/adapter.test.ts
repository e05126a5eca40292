/**
 * Our own adapter (jakamo-kit serve) against the OpenBOM mock, both on real sockets, wired as `serve` wires them,
 * checked by the suite over HTTP like any customer implementation: every MUST passes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runConformance, type Report } from '../../conformance/index.js';
import { createAdapterApp } from '../../src/adapter/app.js';
import { loadAdapterConfig } from '../../src/adapter/config.js';
import { openBomClientFromConfig } from '../../src/adapter/openbom-client.js';
import { loadDefaultFixture } from '../../src/fixtures/load.js';
import { createMockApp } from '../../src/mock/app.js';
import { listen, type RunningServer } from '../../src/shared/server.js';

const KEY = 'conformance-adapter-key-5150';
const ENV = {
  JAKAMO_API_KEYS: KEY,
  OPENBOM_APP_KEY: 'demo-app-key',
  OPENBOM_USERNAME: 'demo@example.com',
  OPENBOM_PASSWORD: 'demo-password',
};

const servers: RunningServer[] = [];
let report: Report;

beforeAll(async () => {
  // The mock's OpenBOM rate limit is lifted: the suite's ~60 requests are about conformance, not throttling.
  const mock = await listen(createMockApp({ fixture: loadDefaultFixture(), rateLimit: 0 }));
  servers.push(mock);
  let app: ReturnType<typeof createAdapterApp> | undefined;
  const adapter = await listen({ fetch: (request) => app!.fetch(request) });
  servers.push(adapter);
  const config = loadAdapterConfig({ flags: { openbomUrl: mock.url, publicBaseUrl: adapter.url, requestsPerSecond: 1000 }, env: ENV });
  const openbom = openBomClientFromConfig(config.openbom);
  app = createAdapterApp({ config, openbom });
  report = await runConformance({ baseUrl: adapter.url, apiKey: KEY, material: '55-554354', revision: '120', otherRevision: '119' });
});

afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
});

describe('our adapter against the conformance suite', () => {
  it('passes every MUST check', () => {
    const mustFailures = report.results.filter((r) => r.severity === 'MUST' && r.status === 'fail');
    expect(mustFailures.map((r) => `${r.id}: ${r.message}`)).toEqual([]);
    expect(report.summary.failed).toBe(0);
  });

  it('runs every check (nothing skipped: the example part has files and two revisions)', () => {
    expect(report.results.filter((r) => r.status === 'skip').map((r) => r.id)).toEqual([]);
  });

  it('never shows the API key in the report', () => {
    expect(JSON.stringify(report)).not.toContain(KEY);
  });
});
