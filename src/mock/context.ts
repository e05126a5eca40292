import type { IncomingMessage } from 'node:http';
import type { Hono } from 'hono';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import type { FaultRules } from './faults.js';
import type { Journal } from './journal.js';
import type { SlidingWindowLimiter } from './rate-limit.js';
import type { StorageSigner } from './storage.js';
import type { MockStore } from './store.js';
import type { TokenStore } from './tokens.js';

export interface MockEnv {
  /** Set by the auth step: the user the access token belongs to (modifiedBy of writes). */
  Variables: { user: string };
}

/** What @hono/node-server passes as c.env; absent when the app is called in-process with app.request(). */
export type NodeBindings = { incoming?: IncomingMessage } | undefined;

export type MockApp = Hono<MockEnv>;

/** Everything the routes share; built once per app by createMockApp. */
export interface MockDeps {
  store: MockStore;
  tokens: TokenStore;
  /** Undefined when rate limiting is off. */
  limiter: SlidingWindowLimiter | undefined;
  retryAfter: boolean;
  journal: Journal;
  faults: FaultRules;
  signer: StorageSigner;
  clock: Clock;
  logger: Logger;
  adminToken: string | undefined;
  maxBodyBytes: number;
}
