import { expect } from 'vitest';
import type { Fixture } from '../../src/fixtures/types.js';
import { createMockApp, type MockOptions } from '../../src/mock/app.js';
import { ManualClock } from '../../src/shared/clock.js';
import { expectValidResponse, loadSpec, type LoadedSpec } from '../support/openapi.js';
import { APP_KEY, PASSWORD, USERNAME, buildTestFixture } from './fixture-builder.js';

export const BASE = 'http://mock.test';

let spec: LoadedSpec | undefined;
/** spec/openbom.yaml, loaded once per test file. */
export function openBomSpec(): LoadedSpec {
  spec ??= loadSpec('spec/openbom.yaml');
  return spec;
}

export interface CallInit extends RequestInit {
  /** Access token to send; none when omitted. */
  token?: string;
  /** App key to send; the fixture's when omitted, none when null. */
  appKey?: string | null;
}

export interface StartOptions extends Partial<MockOptions> {
  /** Check every OpenBOM response against spec/openbom.yaml (default true; off for injected faults, which answer whatever they are told). */
  validate?: boolean;
}

/**
 * An in-process mock with a manual clock and the rate limit off unless asked, logged in once.
 * Every OpenBOM response a test receives is also validated against spec/openbom.yaml.
 */
export async function startMock(options: StartOptions = {}) {
  const { validate = true, ...mockOptions } = options;
  const clock = new ManualClock();
  const fixture: Fixture = mockOptions.fixture ?? buildTestFixture();
  const app = createMockApp({ clock, rateLimit: 0, ...mockOptions, fixture });

  const call = async (path: string, init: CallInit = {}) => {
    const { token, appKey, ...rest } = init;
    const headers = new Headers(rest.headers);
    if (appKey !== null) headers.set('X-OpenBOM-AppKey', appKey ?? APP_KEY);
    if (token !== undefined) headers.set('X-OpenBOM-AccessToken', token);
    const res = await app.request(`${BASE}${path}`, { ...rest, headers });
    if (validate && !path.startsWith('/__')) await expectValidResponse(openBomSpec(), rest.method ?? 'GET', path, res);
    return res;
  };
  const login = async () => {
    const res = await call('/login', jsonBody({ username: USERNAME, password: PASSWORD }));
    return (await res.json()) as { access_token: string; refresh_token: string; expires_in: number };
  };
  const tokens = await login();
  /** An authenticated call with the test user's token. */
  const api = (path: string, init: CallInit = {}) => call(path, { token: tokens.access_token, ...init });
  /** An admin API call (no OpenBOM headers). */
  const admin = async (path: string, init: RequestInit = {}): Promise<Response> => app.request(`${BASE}${path}`, init);
  return { app, clock, fixture, call, api, admin, login, tokens };
}

export function jsonBody(body: unknown, method = 'POST'): RequestInit {
  return { method, body: JSON.stringify(body), headers: { 'content-type': 'application/json' } };
}

export async function bodyOf<T = any>(res: Response): Promise<T> {
  return (await res.json()) as T;
}

/** The item endpoint's answer (a catalog document narrowed to one row) as `{ column: value }`, as a client reads it. */
export async function itemRow(res: Response): Promise<Record<string, unknown>> {
  const { columns, cells } = await bodyOf<{ columns: string[]; cells: unknown[][] }>(res);
  expect(cells).toHaveLength(1);
  return Object.fromEntries(columns.map((column, i) => [column, cells[0]?.[i]]));
}
