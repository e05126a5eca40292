import type { Clock } from '../shared/clock.js';

export type RateDecision = { allowed: true } | { allowed: false; retryAfterMs: number };

/**
 * Sliding-window limiter: at most `limit` accepted requests per key within any `windowMs`.
 * Each key keeps a ring of its last `limit` acceptance times, so a check is O(1).
 * Rejected requests are not counted, so a client that backs off recovers as soon as the window slides.
 */
export class SlidingWindowLimiter {
  private readonly rings = new Map<string, { times: number[]; next: number }>();

  constructor(
    readonly limit: number,
    private readonly clock: Clock,
    private readonly windowMs = 1000,
  ) {}

  take(key: string): RateDecision {
    const now = this.clock.now();
    let ring = this.rings.get(key);
    if (!ring) this.rings.set(key, (ring = { times: [], next: 0 }));
    if (ring.times.length < this.limit) {
      ring.times.push(now);
      return { allowed: true };
    }
    // The oldest of the last `limit` acceptances sits where the next one will be written.
    const oldest = ring.times[ring.next] ?? now;
    if (now - oldest < this.windowMs) return { allowed: false, retryAfterMs: oldest + this.windowMs - now };
    ring.times[ring.next] = now;
    ring.next = (ring.next + 1) % this.limit;
    return { allowed: true };
  }

  reset(): void {
    this.rings.clear();
  }
}
