import { randomBytes } from 'node:crypto';
import type { Clock } from '../shared/clock.js';

export interface TokenPair {
  access_token: string;
  refresh_token: string;
  token_type: 'Bearer';
  expires_in: number;
}

interface AccessGrant {
  username: string;
  expiresAt: number;
}

/** Expired access tokens are swept once this many have been issued; the bar doubles with the live count. */
const SWEEP_THRESHOLD = 10_000;
/** Refresh tokens kept; past this the oldest are forgotten, so a login storm cannot grow memory without end. */
const MAX_REFRESH_TOKENS = 100_000;

/**
 * Access and refresh tokens: random opaque strings shaped like the contract's examples ("eyJ…").
 * Access tokens expire after the TTL on the injected clock; refresh tokens do not expire (only the oldest are
 * dropped past MAX_REFRESH_TOKENS) and are not rotated: renew hands out a fresh pair, the presented one keeps working.
 */
export class TokenStore {
  private readonly access = new Map<string, AccessGrant>();
  private readonly refresh = new Map<string, string>();
  private sweepAt = SWEEP_THRESHOLD;

  constructor(
    private readonly clock: Clock,
    private readonly ttlSeconds: number,
  ) {}

  issue(username: string): TokenPair {
    if (this.access.size >= this.sweepAt) this.sweep();
    const pair: TokenPair = { access_token: newToken(), refresh_token: newToken(), token_type: 'Bearer', expires_in: this.ttlSeconds };
    this.access.set(pair.access_token, { username, expiresAt: this.clock.now() + this.ttlSeconds * 1000 });
    this.refresh.set(pair.refresh_token, username);
    if (this.refresh.size > MAX_REFRESH_TOKENS) {
      const oldest = this.refresh.keys().next().value;
      if (oldest !== undefined) this.refresh.delete(oldest);
    }
    return pair;
  }

  renew(refreshToken: string): TokenPair | undefined {
    const username = this.refresh.get(refreshToken);
    return username === undefined ? undefined : this.issue(username);
  }

  /** The user an access token belongs to, or undefined when it is unknown or expired. */
  userOf(accessToken: string): string | undefined {
    const grant = this.access.get(accessToken);
    if (!grant) return undefined;
    if (this.clock.now() >= grant.expiresAt) return undefined;
    return grant.username;
  }

  /** Expires every live access token now; returns how many were live. */
  expireAll(): number {
    const now = this.clock.now();
    let expired = 0;
    for (const grant of this.access.values()) {
      if (grant.expiresAt > now) {
        grant.expiresAt = now;
        expired++;
      }
    }
    return expired;
  }

  private sweep(): void {
    const now = this.clock.now();
    for (const [token, grant] of this.access) if (now >= grant.expiresAt) this.access.delete(token);
    this.sweepAt = Math.max(SWEEP_THRESHOLD, this.access.size * 2);
  }
}

function newToken(): string {
  return `eyJ${randomBytes(30).toString('base64url')}`;
}
