import { matchesAnySecret } from '../../shared/secrets.js';
import type { MockApp, MockDeps } from '../context.js';
import { ApiError, MESSAGES } from '../errors.js';
import { readJsonObject, requireString } from '../request.js';

/** 1. POST /login and 2. POST /token/renew. */
export function registerAuthRoutes(app: MockApp, { store, tokens }: MockDeps): void {
  app.post('/login', async (c) => {
    const body = await readJsonObject(c);
    const username = requireString(body, 'username');
    const password = requireString(body, 'password');
    const user = store.account.users.find((candidate) => candidate.username === username);
    if (!user || !matchesAnySecret(password, [user.password])) throw new ApiError(401, MESSAGES.unauthenticated(username));
    return c.json(tokens.issue(username));
  });

  app.post('/token/renew', async (c) => {
    const body = await readJsonObject(c);
    const refreshToken = requireString(body, 'refresh_token');
    const pair = tokens.renew(refreshToken);
    if (!pair) throw new ApiError(401, 'Error renewing access token: the refresh token is invalid.');
    return c.json(pair);
  });
}
