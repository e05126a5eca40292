import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../shared/clock.js';

export const STORAGE_PREFIX = '/__storage/';

/**
 * Presigned storage URLs, like an object store's: `/__storage/<docId>/<name>?expires=<unix s>&signature=<hex>`,
 * HMAC-SHA256 over "<docId>\n<name>\n<expires>" with a secret that lives and dies with the process.
 */
export class StorageSigner {
  /**
   * Lifetime of the URLs signed from now on (PATCH /__admin/settings changes it). `expires` carries whole seconds,
   * so a URL lives between urlTtlMs − 999 and urlTtlMs ms; 0 makes every URL expired on arrival.
   */
  urlTtlMs: number;

  constructor(
    private readonly clock: Clock,
    private readonly ttlSeconds: number,
    private readonly secret: Buffer = randomBytes(32),
  ) {
    this.urlTtlMs = ttlSeconds * 1000;
  }

  /** Back to the lifetime the mock started with. */
  resetTtl(): void {
    this.urlTtlMs = this.ttlSeconds * 1000;
  }

  /** Path and query of a URL valid for the TTL from now. */
  signedPath(docId: string, name: string): string {
    const expires = Math.floor((this.clock.now() + this.urlTtlMs) / 1000);
    return `${STORAGE_PREFIX}${docId}/${encodeURIComponent(name)}?expires=${expires}&signature=${this.sign(docId, name, String(expires))}`;
  }

  /** True when the signature matches and the URL has not expired. */
  verify(docId: string, name: string, expires: string | undefined, signature: string | undefined): boolean {
    if (expires === undefined || signature === undefined || !/^\d+$/.test(expires) || !/^[0-9a-f]{64}$/.test(signature)) return false;
    const expected = Buffer.from(this.sign(docId, name, expires), 'hex');
    if (!timingSafeEqual(expected, Buffer.from(signature, 'hex'))) return false;
    return Number(expires) * 1000 > this.clock.now();
  }

  private sign(docId: string, name: string, expires: string): string {
    return createHmac('sha256', this.secret).update(`${docId}\n${name}\n${expires}`).digest('hex');
  }
}
