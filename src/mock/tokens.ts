import { createHmac, randomBytes } from 'node:crypto';
import type { Clock } from '../shared/clock.js';

export interface TokenPair {
  access_token: string;
  refresh_token: string;
  token_type: 'Bearer';
  expires_in: number;
}

/** What an access token's payload carries (standard JWT claims). */
export interface AccessClaims {
  sub: string;
  /** Issued at, Unix seconds. */
  iat: number;
  /** Expires at, Unix seconds: iat + expires_in. The token is refused from this second on. */
  exp: number;
  jti: string;
}

interface AccessGrant {
  username: string;
  expiresAt: number;
}

/** Expired access tokens are swept once this many have been issued; the bar doubles with the live count. */
const SWEEP_THRESHOLD = 10_000;
/** Refresh tokens kept; past this the oldest are forgotten, so a login storm cannot grow memory without end. */
const MAX_REFRESH_TOKENS = 100_000;

const base64url = (value: string | Buffer) => Buffer.from(value).toString('base64url');

/**
 * Access tokens are JWTs as OpenBOM's are (`eyJraWQiOi…`: a header with `kid`), signed HS256 with a key that lives
 * and dies with the process; the payload's `iat`/`exp` agree with `expires_in`, so a client that decodes `exp` to
 * schedule renewal works here as on the real service. A token is accepted only if it is, to the byte, one this process
 * issued (so an altered header, payload or signature, or another mock's token, is refused without verifying it again:
 * re-checking the HMAC on every request cost the mock a sixth of its throughput) and the injected clock is before
 * `exp` (and before an /__admin/tokens/expire). Refresh tokens are opaque random strings; they do not expire (only the oldest are dropped
 * past MAX_REFRESH_TOKENS) and are not rotated: renew hands out a fresh pair, the presented one keeps working.
 */
export class TokenStore {
  private readonly access = new Map<string, AccessGrant>();
  private readonly refresh = new Map<string, string>();
  private sweepAt = SWEEP_THRESHOLD;
  private readonly header: string;

  constructor(
    private readonly clock: Clock,
    private readonly ttlSeconds: number,
    private readonly signingKey: Buffer = randomBytes(32),
  ) {
    // The key id names the key without revealing it (as a JWKS kid does).
    const kid = createHmac('sha256', signingKey).update('kid').digest('base64url').slice(0, 16);
    this.header = base64url(JSON.stringify({ kid, alg: 'HS256', typ: 'JWT' }));
  }

  issue(username: string): TokenPair {
    if (this.access.size >= this.sweepAt) this.sweep();
    const iat = Math.floor(this.clock.now() / 1000);
    const claims: AccessClaims = { sub: username, iat, exp: iat + this.ttlSeconds, jti: randomBytes(12).toString('base64url') };
    const signingInput = `${this.header}.${base64url(JSON.stringify(claims))}`;
    const accessToken = `${signingInput}.${this.sign(signingInput).toString('base64url')}`;
    const pair: TokenPair = { access_token: accessToken, refresh_token: opaqueToken(), token_type: 'Bearer', expires_in: this.ttlSeconds };
    this.access.set(accessToken, { username, expiresAt: claims.exp * 1000 });
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

  /** The user an access token belongs to, or undefined when it is altered, unknown or expired. */
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

  private sign(signingInput: string): Buffer {
    return createHmac('sha256', this.signingKey).update(signingInput).digest();
  }

  private sweep(): void {
    const now = this.clock.now();
    for (const [token, grant] of this.access) if (now >= grant.expiresAt) this.access.delete(token);
    this.sweepAt = Math.max(SWEEP_THRESHOLD, this.access.size * 2);
  }
}

function opaqueToken(): string {
  return randomBytes(30).toString('base64url');
}
