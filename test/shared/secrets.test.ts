/**
 * Secrets are shown as no character of themselves (issue 18.6: `"password":"Hunt****"` in the start-up log,
 * `secr****` in check reports): mask() itself, then every place that shows one — the start-up description of
 * `serve`, the mock's journal and a `check` report.
 */
import { describe, expect, it } from 'vitest';
import { runConformance } from '../../conformance/index.js';
import { describeConfig, loadAdapterConfig } from '../../src/adapter/config.js';
import { createMockApp } from '../../src/mock/app.js';
import { mask } from '../../src/shared/secrets.js';
import { API_KEY, referenceOptions, withReference } from '../conformance/helpers.js';
import { APP_KEY, PASSWORD, USERNAME, buildTestFixture } from '../mock/fixture-builder.js';

/** Every run of `length` characters of the secret: finding one in a text shows a part of it. */
const windowsOf = (secret: string, length: number) =>
  Array.from({ length: secret.length - length + 1 }, (_, start) => secret.slice(start, start + length));

function expectNoPartOf(text: string, secret: string) {
  expect(text).not.toContain(`${secret.slice(0, 4)}****`); // what the old mask showed
  for (const part of windowsOf(secret, 5)) expect(text, `shows "${part}" of a secret`).not.toContain(part);
}

describe('mask()', () => {
  it('shows no character of a secret, whatever its length, and nothing for no secret', () => {
    for (const secret of ['x', 'Hunter2', 'secret-key-1234567890', 'k'.repeat(10_000)]) expect(mask(secret)).toBe('****');
    for (const nothing of ['', undefined, null]) expect(mask(nothing)).toBe('');
  });

  it('with fingerprint: sha256 and 8 hex digits, the same for the same secret, different for another', () => {
    expect(mask('abc', { fingerprint: true })).toBe('sha256:ba7816bf'); // FIPS 180-2's test vector
    expect(mask('secret-key-one', { fingerprint: true })).toBe(mask('secret-key-one', { fingerprint: true }));
    expect(mask('secret-key-one', { fingerprint: true })).not.toBe(mask('secret-key-two', { fingerprint: true }));
    expect(mask('', { fingerprint: true })).toBe('');
  });
});

describe('where secrets are shown', () => {
  it("serve's start-up description: the password and user name masked, the app key as a fingerprint", () => {
    const env = {
      JAKAMO_API_KEYS: 'Qz81xWcur7,Vb3NcPrev9',
      OPENBOM_APP_KEY: 'Ap7Hq2mZx9',
      OPENBOM_USERNAME: 'Ux5Tq@corp.test',
      OPENBOM_PASSWORD: 'Hunter2Hunter2',
    };
    const described = describeConfig(loadAdapterConfig({ flags: {}, env }));
    const text = JSON.stringify(described);
    for (const secret of Object.values(env).flatMap((value) => value.split(','))) expectNoPartOf(text, secret);
    expect(described.openbom).toMatchObject({ password: '****', username: '****', appKey: expect.stringMatching(/^sha256:[0-9a-f]{8}$/) });
  });

  it("the mock's journal: fingerprints of the app key and the token, no part of either", async () => {
    const mock = createMockApp({ fixture: buildTestFixture(), rateLimit: 0 });
    const login = await mock.request('/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-openbom-appkey': APP_KEY },
      body: JSON.stringify({ username: USERNAME, password: PASSWORD }),
    });
    const { access_token: token } = (await login.json()) as { access_token: string };
    await mock.request('/catalogs', { headers: { 'x-openbom-appkey': APP_KEY, 'x-openbom-accesstoken': token } });
    const journal = await (await mock.request('/__admin/requests')).text();
    for (const secret of [APP_KEY, token, PASSWORD]) expectNoPartOf(journal, secret);
    const fingerprint = expect.stringMatching(/^sha256:[0-9a-f]{8}$/);
    expect(JSON.parse(journal).requests.at(-1)).toMatchObject({ appKey: fingerprint, accessToken: fingerprint });
  });

  it('a check report: the key, even where the server echoed it, shows as the mask', async () => {
    const report = await withReference({ defect: 'key-echo' }, (server) => runConformance(referenceOptions(server.url)));
    const text = JSON.stringify(report);
    expectNoPartOf(text, API_KEY);
    expect(report.results.find((result) => result.id === 'listing.status')?.request?.headers['X-API-KEY']).toBe('****');
  });
});
