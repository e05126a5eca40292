import type { Clock } from '../../shared/clock.js';
import type { Logger } from '../../shared/logger.js';
import { SharedStateUnavailableError, type StoredTokens, type TokenStore } from '../state/shared-state.js';
import { unlessAborted } from './retry.js';
import { OpenBomError } from './types.js';

/** Renew this long before the access token expires (at most a tenth of its lifetime). */
const RENEW_MARGIN_MS = 60_000;
/** Assumed when OpenBOM's answer carries no usable `expires_in`. */
const DEFAULT_TOKEN_LIFETIME_MS = 3_600_000;

export interface AuthOptions {
  /** Where the tokens live (this process, or Redis for every replica); it lets one caller renew at a time. */
  tokens: TokenStore;
  username: string;
  password: string;
  clock: Clock;
  logger: Logger;
  /** Sends a POST without a token (the transport's, with its permits and retries) and answers the parsed JSON. */
  post: (path: '/login' | '/token/renew', body: unknown) => Promise<unknown>;
}

export interface Auth {
  /** A fresh access token; when there is none, one caller (one replica) renews or logs in and the others wait. */
  accessToken(signal?: AbortSignal): Promise<string>;
  /** OpenBOM refused `token` (401): renew, unless another caller or replica already replaced it. */
  refused(token: string, signal?: AbortSignal): Promise<void>;
}

/**
 * OpenBOM login and renewal: tokens in the shared state, single flight, a renewal with the refresh token before
 * expiry, and a fresh login when renewal is refused. A caller that gives up stops waiting; the login under way runs
 * on for the others.
 */
export function createAuth({ tokens, username, password, clock, logger, post }: AuthOptions): Auth {
  const isFresh = (current: StoredTokens | undefined): current is StoredTokens => current !== undefined && clock.now() < current.renewAt;

  async function obtain(current: StoredTokens | undefined): Promise<StoredTokens> {
    const refresh = current?.refresh;
    if (refresh) {
      try {
        return await requestTokens('/token/renew', { refresh_token: refresh }, refresh);
      } catch (error) {
        if (error instanceof SharedStateUnavailableError) throw error;
        logger.warn('openbom token renewal failed; logging in again', { reason: (error as Error).message });
      }
    }
    return requestTokens('/login', { username, password }, undefined);
  }

  async function requestTokens(path: '/login' | '/token/renew', body: unknown, previousRefresh: string | undefined): Promise<StoredTokens> {
    const answer = ((await post(path, body)) ?? {}) as { access_token?: unknown; refresh_token?: unknown; expires_in?: unknown };
    if (typeof answer.access_token !== 'string' || answer.access_token === '')
      throw new OpenBomError(`OpenBOM sent no access token (POST ${path})`);
    const lifetimeMs =
      typeof answer.expires_in === 'number' && answer.expires_in > 0 ? answer.expires_in * 1000 : DEFAULT_TOKEN_LIFETIME_MS;
    logger.info('openbom authenticated', { via: path, expiresInSeconds: lifetimeMs / 1000 });
    const refresh = typeof answer.refresh_token === 'string' && answer.refresh_token !== '' ? answer.refresh_token : previousRefresh;
    const now = clock.now();
    return {
      access: answer.access_token,
      ...(refresh !== undefined ? { refresh } : {}),
      renewAt: now + lifetimeMs - Math.min(RENEW_MARGIN_MS, lifetimeMs / 10),
      expiresAt: now + lifetimeMs,
    };
  }

  return {
    async accessToken(signal) {
      const stored = await unlessAborted(tokens.get(), signal);
      if (isFresh(stored)) return stored.access;
      return (await unlessAborted(tokens.renew(isFresh, obtain), signal)).access;
    },
    async refused(token, signal) {
      const replaced = (current: StoredTokens | undefined): current is StoredTokens => isFresh(current) && current.access !== token;
      await unlessAborted(tokens.renew(replaced, obtain), signal);
    },
  };
}
