/**
 * Property-based fuzz of the OpenBOM mock, in-process: hostile paths, queries, headers and bodies, with and without
 * valid credentials. Every answer: no 5xx, JSON errors in OpenBOM's shape, no stack trace, valid against
 * spec/openbom.yaml, no secret outside the answers that hand out tokens by design; no secret in any log line.
 */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { partNumberOf } from '../../src/fixtures/types.js';
import { APP_KEY, IDS, PASSWORD, USERNAME, buildTestFixture } from '../mock/fixture-builder.js';
import { loadSpec } from '../support/openapi.js';
import { requestArbitrary, toRequest, type FuzzRequest } from './support/http-arbitraries.js';
import { exchangeAndCheck, type Answer } from './support/oracle.js';
import { fuzz, fuzzTimeoutMs } from './support/runs.js';
import { createMockTarget, MOCK_ORIGIN } from './support/targets.js';
import { fieldObjects, specInputs } from './support/vocabulary.js';

const spec = loadSpec('spec/openbom.yaml');
const inputs = specInputs(spec);
const fixture = buildTestFixture();

/** Ids, part numbers, revisions and file names that exist in the test fixture, so requests reach real data. */
const KNOWN_VALUES = [
  ...Object.values(IDS),
  ...fixture.catalogs.flatMap((catalog) => catalog.parts.map((part) => partNumberOf(part.row))),
  '1',
  '2',
  '119',
  '120',
  'bolt.png',
  '55-554354_rev119.pdf',
  'Part Number',
  'Quantity',
];

/** Credential headers; placeholders are filled per case so no secret is printed in a counterexample. */
const credentials = fc.oneof(
  {
    arbitrary: fc.constant<Array<[string, string]>>([
      ['X-OpenBOM-AppKey', '{{APP_KEY}}'],
      ['X-OpenBOM-AccessToken', '{{TOKEN}}'],
    ]),
    weight: 8,
  },
  fc.constantFrom<Array<[string, string]>>(
    [['x-openbom-appkey', '{{APP_KEY}}']],
    [
      ['X-OpenBOM-AppKey', 'wrong-key'],
      ['X-OpenBOM-AccessToken', '{{TOKEN}}'],
    ],
    [
      ['X-OpenBOM-AppKey', '{{APP_KEY}}'],
      ['X-OpenBOM-AccessToken', 'expired-or-forged'],
    ],
  ),
);

const bodyValues = fc.oneof(fc.constantFrom('{{REFRESH}}', ...KNOWN_VALUES), fc.string({ unit: 'grapheme', maxLength: 30 }), fc.integer());
/** Logins, right or wrong; the password only ever in its own field (a server may echo a user name, not a password). */
const logins = fc.record(
  {
    username: fc.oneof(fc.constant('{{USERNAME}}'), fc.string({ maxLength: 20 })),
    password: fc.oneof(fc.constant('{{PASSWORD}}'), fc.string({ maxLength: 20 })),
  },
  { requiredKeys: [] },
);

const requests = requestArbitrary({
  operations: inputs.operations,
  knownValues: KNOWN_VALUES,
  queryNames: [...inputs.queryNames, 'filename', 'expires', 'signature', 'since'],
  credentials,
  shapedBodies: fc.oneof(fieldObjects(inputs.bodyFields, bodyValues), logins),
});

describe('fuzz: the OpenBOM mock', () => {
  const target = createMockTarget();

  /** Answers that hand out secrets by design: new tokens, and the admin state dump (a fixture, credentials included). */
  const carriesSecretsByDesign = (answer: Answer) => {
    const path = new URL(answer.url).pathname;
    return (answer.status === 200 && (path === '/login' || path === '/token/renew')) || path === '/__admin/state';
  };

  async function send(generated: FuzzRequest): Promise<number> {
    // Fresh tokens every case: a generated request may have expired or renewed the previous ones.
    const tokens = await target.login();
    const values: Record<string, string> = { APP_KEY, USERNAME, PASSWORD, TOKEN: tokens.access, REFRESH: tokens.refresh };
    const request = toRequest(MOCK_ORIGIN, generated, (text) =>
      text.replace(/\{\{(\w+)\}\}/g, (whole, name: string) => values[name] ?? whole),
    );
    const answer = await exchangeAndCheck(target.app, request, {
      spec,
      secrets: target.secrets,
      carriesSecretsByDesign,
      loggers: [target.logger],
    });
    // An accepted fault rule would turn the following cases into injected failures: the fuzz injects none.
    if (new URL(answer.url).pathname.startsWith('/__admin/faults') && answer.status < 300) {
      await target.app.request(`${MOCK_ORIGIN}/__admin/faults`, { method: 'DELETE' });
    }
    return answer.status;
  }

  it('answers every generated request within the contract', { timeout: fuzzTimeoutMs }, async () => {
    await fuzz('mock', requests, send);
  });
});
