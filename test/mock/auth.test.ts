import { describe, expect, it } from 'vitest';
import { createMemoryLogger } from '../../src/shared/logger.js';
import { APP_KEY, IDS, PASSWORD, USERNAME, buildTestFixture } from './fixture-builder.js';
import { bodyOf, jsonBody, startMock } from './helpers.js';

const APP_KEY_ERROR = { error: 'Missing or invalid developer application key[app_key]' };
const TOKEN_ERROR = { error: 'Missing or invalid access token.' };

describe('app key and access token, in OpenBOM order', () => {
  it('answers 403 before 401 when both are missing, on every path including /login and unknown ones', async () => {
    const { call } = await startMock();
    for (const path of ['/boms', '/login', '/no/such/path', `/bom/${IDS.robot}`]) {
      const res = await call(path, { appKey: null });
      expect(res.status, path).toBe(403);
      expect(await bodyOf(res)).toEqual(APP_KEY_ERROR);
    }
    const wrongKey = await call('/boms', { appKey: 'not-the-key' });
    expect(wrongKey.status).toBe(403);
  });

  it('answers 401 for a missing, unknown or expired access token once the app key is good', async () => {
    const { call, clock, tokens } = await startMock({ tokenTtlSeconds: 60 });
    expect(await bodyOf(await call('/boms'))).toEqual(TOKEN_ERROR);
    const unknown = await call('/boms', { token: 'eyJnot-a-token' });
    expect(unknown.status).toBe(401);
    expect((await call('/boms', { token: tokens.access_token })).status).toBe(200);
    clock.advance(60_000);
    const expired = await call('/boms', { token: tokens.access_token });
    expect(expired.status).toBe(401);
    expect(await bodyOf(expired)).toEqual(TOKEN_ERROR);
  });

  it('reads header names case-insensitively', async () => {
    const { app, tokens } = await startMock();
    const res = await app.request('http://mock.test/boms', {
      headers: { 'x-openbom-appkey': APP_KEY, 'X-OPENBOM-ACCESSTOKEN': tokens.access_token },
    });
    expect(res.status).toBe(200);
  });

  it('an unknown path with full credentials is a JSON 404, a known path with the wrong method a 405 with Allow', async () => {
    const { api } = await startMock();
    const missing = await api('/no/such/path');
    expect(missing.status).toBe(404);
    expect(await bodyOf(missing)).toEqual({ error: 'Not found.' });
    const wrongMethod = await api('/boms', { method: 'POST' });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('GET, HEAD');
    expect(await bodyOf(wrongMethod)).toEqual({ error: 'Method not allowed.' });
    const bomMethods = await api(`/bom/${IDS.robot}`, { method: 'PUT' });
    expect(bomMethods.headers.get('allow')).toBe('GET, HEAD, DELETE');
  });
});

/** What a client in any language does with a JWT: split on dots, base64url-decode the JSON parts. */
function decodeJwt(token: string): { header: Record<string, unknown>; payload: Record<string, unknown>; signature: string } {
  const [header = '', payload = '', signature = '', ...rest] = token.split('.');
  expect(rest).toEqual([]);
  const json = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
  return { header: json(header), payload: json(payload), signature };
}

describe('access tokens are JWTs', () => {
  it('carry a header with kid and alg, and iat/exp that agree with expires_in', async () => {
    const { call, clock } = await startMock({ tokenTtlSeconds: 3600 });
    const body = await bodyOf(await call('/login', jsonBody({ username: USERNAME, password: PASSWORD })));
    expect(body.access_token).toMatch(/^eyJ[\w-]+\.eyJ[\w-]+\.[\w-]{43}$/);
    const { header, payload } = decodeJwt(body.access_token);
    expect(header).toEqual({ kid: expect.stringMatching(/^[\w-]{16}$/), alg: 'HS256', typ: 'JWT' });
    expect(payload).toMatchObject({ sub: USERNAME, iat: Math.floor(clock.now() / 1000) });
    expect((payload.exp as number) - (payload.iat as number)).toBe(body.expires_in);
    expect(body.expires_in).toBe(3600);
  });

  it('serve a client that decodes exp and renews then: valid until exp, refused at exp, renewed with the refresh token', async () => {
    const { call, clock } = await startMock({ tokenTtlSeconds: 600 });
    clock.advance(1234); // not on a whole second: exp is whole seconds, the token must not outlive it
    const client = {
      pair: await bodyOf<{ access_token: string; refresh_token: string }>(
        await call('/login', jsonBody({ username: USERNAME, password: PASSWORD })),
      ),
    };
    const renewAtMs = (decodeJwt(client.pair.access_token).payload.exp as number) * 1000;
    clock.set(renewAtMs - 1);
    expect((await call('/boms', { token: client.pair.access_token })).status).toBe(200);
    clock.set(renewAtMs);
    expect((await call('/boms', { token: client.pair.access_token })).status).toBe(401);
    // The client's timer fires at exp: it renews and carries on.
    const renewed = await call('/token/renew', jsonBody({ refresh_token: client.pair.refresh_token }));
    expect(renewed.status).toBe(200);
    client.pair = await bodyOf(renewed);
    expect(decodeJwt(client.pair.access_token).payload.exp).toBe(Math.floor(renewAtMs / 1000) + 600);
    expect((await call('/boms', { token: client.pair.access_token })).status).toBe(200);
  });

  it('refuses a token whose header, payload or signature was altered, and one signed by another mock', async () => {
    const { call, tokens } = await startMock({ tokenTtlSeconds: 600 });
    const [header, payload, signature] = tokens.access_token.split('.') as [string, string, string];
    const claims = decodeJwt(tokens.access_token).payload;
    const longer = Buffer.from(JSON.stringify({ ...claims, exp: (claims.exp as number) + 86_400 })).toString('base64url');
    const noneHeader = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    const flipped = `${signature.slice(0, -2)}${signature.at(-2) === 'A' ? 'B' : 'A'}${signature.at(-1)}`;
    const other = await startMock({ tokenTtlSeconds: 600 });
    for (const forged of [
      `${header}.${longer}.${signature}`,
      `${noneHeader}.${payload}.`,
      `${header}.${payload}.${flipped}`,
      `${header}.${payload}`,
      `${header}.${payload}.${signature}.x`,
      other.tokens.access_token,
    ]) {
      const res = await call('/boms', { token: forged });
      expect(res.status, forged).toBe(401);
      expect(await bodyOf(res)).toEqual(TOKEN_ERROR);
    }
  });
});

describe('POST /login', () => {
  it('returns a token pair with the configured TTL', async () => {
    const { call } = await startMock({ tokenTtlSeconds: 120 });
    const res = await call('/login', jsonBody({ username: USERNAME, password: PASSWORD }));
    expect(res.status).toBe(200);
    const body = await bodyOf(res);
    expect(body).toEqual({
      access_token: expect.stringMatching(/^eyJ/),
      refresh_token: expect.any(String),
      token_type: 'Bearer',
      expires_in: 120,
    });
    expect(body.access_token).not.toBe(body.refresh_token);
  });

  it('names the missing parameter', async () => {
    const { call } = await startMock();
    const noUser = await call('/login', jsonBody({ password: PASSWORD }));
    expect(noUser.status).toBe(400);
    expect(await bodyOf(noUser)).toEqual({ error: 'Parameter ["username"] not found.' });
    const noPassword = await call('/login', jsonBody({ username: USERNAME }));
    expect(await bodyOf(noPassword)).toEqual({ error: 'Parameter ["password"] not found.' });
    const empty = await call('/login', { method: 'POST' });
    expect(await bodyOf(empty)).toEqual({ error: 'Parameter ["username"] not found.' });
  });

  it('rejects wrong credentials with 401 naming the user, and never echoes the password', async () => {
    const { call } = await startMock();
    const res = await call('/login', jsonBody({ username: USERNAME, password: 'wrong-password' }));
    expect(res.status).toBe(401);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({ error: `Unable to authenticate user[${USERNAME}]` });
    expect(text).not.toContain('wrong-password');
    const unknownUser = await call('/login', jsonBody({ username: 'nobody@example.com', password: PASSWORD }));
    expect(await bodyOf(unknownUser)).toEqual({ error: 'Unable to authenticate user[nobody@example.com]' });
  });

  it('answers malformed JSON and wrong types with 400', async () => {
    const { call } = await startMock();
    const malformed = await call('/login', { method: 'POST', body: '{"username":', headers: { 'content-type': 'application/json' } });
    expect(malformed.status).toBe(400);
    expect(await bodyOf(malformed)).toEqual({ error: 'Malformed JSON in request body.' });
    const wrongType = await call('/login', jsonBody({ username: 42, password: PASSWORD }));
    expect(wrongType.status).toBe(400);
    expect(await bodyOf(wrongType)).toEqual({ error: 'Parameter ["username"] must be a string.' });
    const array = await call('/login', jsonBody([1, 2]));
    expect(await bodyOf(array)).toEqual({ error: 'Request body must be a JSON object.' });
  });
});

describe('POST /token/renew', () => {
  it('issues a new pair for a valid refresh token, which works after the old access token expired', async () => {
    const { call, clock, tokens } = await startMock({ tokenTtlSeconds: 60 });
    clock.advance(61_000);
    expect((await call('/boms', { token: tokens.access_token })).status).toBe(401);
    const res = await call('/token/renew', jsonBody({ refresh_token: tokens.refresh_token }));
    expect(res.status).toBe(200);
    const renewed = await bodyOf(res);
    expect(renewed).toMatchObject({ token_type: 'Bearer', expires_in: 60 });
    expect(renewed.access_token).not.toBe(tokens.access_token);
    expect((await call('/boms', { token: renewed.access_token })).status).toBe(200);
  });

  it('needs no access token but does need the app key', async () => {
    const { call, tokens } = await startMock();
    expect((await call('/token/renew', { ...jsonBody({ refresh_token: tokens.refresh_token }), appKey: null })).status).toBe(403);
  });

  it('rejects a missing refresh token with 400 and an unknown one with 401', async () => {
    const { call } = await startMock();
    const missing = await call('/token/renew', jsonBody({}));
    expect(missing.status).toBe(400);
    expect(await bodyOf(missing)).toEqual({ error: 'Parameter ["refresh_token"] not found.' });
    const unknown = await call('/token/renew', jsonBody({ refresh_token: 'eyJbogus' }));
    expect(unknown.status).toBe(401);
    expect((await bodyOf(unknown)).error).toMatch(/^Error renewing access token/);
  });
});

describe('rate limit', () => {
  it('answers 429 with Retry-After past the limit and recovers when the window slides', async () => {
    const { api, clock } = await startMock({ rateLimit: 5 });
    // The login in startMock counted as one request in the current window.
    clock.advance(1000);
    for (let i = 0; i < 5; i++) expect((await api('/boms')).status).toBe(200);
    const limited = await api('/boms');
    expect(limited.status).toBe(429);
    expect(await bodyOf(limited)).toEqual({ error: 'Too many requests. The limit is 5 requests per second.' });
    expect(limited.headers.get('retry-after')).toBe('1');
    clock.advance(999);
    expect((await api('/boms')).status).toBe(429);
    clock.advance(1);
    expect((await api('/boms')).status).toBe(200);
  });

  it('counts a sliding window, not fixed seconds', async () => {
    const { api, clock } = await startMock({ rateLimit: 2 });
    clock.advance(1000);
    expect((await api('/boms')).status).toBe(200);
    clock.advance(600);
    expect((await api('/boms')).status).toBe(200);
    clock.advance(500); // 1100 ms after the first, 500 after the second: one slot free
    expect((await api('/boms')).status).toBe(200);
    expect((await api('/boms')).status).toBe(429);
  });

  it('counts per app key, and every request with a valid key (errors and /login too)', async () => {
    const fixtureKeys = { appKeys: ['key-a', 'key-b'], users: [{ username: USERNAME, password: PASSWORD }] };
    const fixture = { ...buildTestFixture(), account: fixtureKeys };
    const { call, clock } = await startMock({ rateLimit: 1, fixture, validate: false });
    clock.advance(1000);
    expect((await call('/boms', { appKey: 'key-a' })).status).toBe(401);
    expect((await call('/login', { appKey: 'key-a', method: 'POST' })).status).toBe(429);
    expect((await call('/boms', { appKey: 'key-b' })).status).toBe(401);
    // Requests without a valid key are refused before the limiter and do not count.
    expect((await call('/boms', { appKey: 'wrong' })).status).toBe(403);
  });

  it('leaves Retry-After out when asked to, and is off at 0', async () => {
    const limited = await startMock({ rateLimit: 1, retryAfter: false });
    const res = await limited.api('/boms');
    expect(res.status).toBe(429);
    expect(res.headers.has('retry-after')).toBe(false);
    const unlimited = await startMock({ rateLimit: 0 });
    for (let i = 0; i < 50; i++) expect((await unlimited.api('/boms')).status).toBe(200);
  });
});

describe('limits and unexpected errors', () => {
  it('answers a body over the limit with a JSON 413 before the route reads it', async () => {
    const { api } = await startMock({ maxBodyBytes: 100 });
    const body = JSON.stringify({ name: 'x'.repeat(200) });
    const res = await api('/boms/byparams', {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', 'content-length': String(body.length) },
    });
    expect(res.status).toBe(413);
    expect(await bodyOf(res)).toEqual({ error: 'Request entity too large.' });
  });

  it("turns an unexpected exception into the contract's 500, logged without a stack in the body", async () => {
    const logger = createMemoryLogger();
    // Data the types forbid (a property table without properties) makes the route fail the way a bug would.
    const fixture = buildTestFixture();
    const { api } = await startMock({ logger, fixture, validate: false });
    (fixture.propertyTables[0] as { properties: unknown }).properties = undefined;
    const res = await api(`/propertytable/${IDS.propertyTable}`);
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({ error: 'Something went wrong. Please try again later.' });
    expect(text).not.toMatch(/TypeError|at .*\.ts/);
    expect(logger.lines.join('')).toContain("reading 'map'");
  });
});
