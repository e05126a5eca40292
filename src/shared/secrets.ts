import { createHash, timingSafeEqual } from 'node:crypto';

/** What stands for a secret wherever one would be shown: no character of it, not even its length. */
export const MASK = '****';

/** Hex digits of the fingerprint: enough to tell a handful of keys or tokens apart. */
const FINGERPRINT_HEX_DIGITS = 8;

/**
 * A secret as logs, journals and reports show it: never a character of it. `MASK` by default; with
 * `fingerprint`, `sha256:` and the first 8 hex digits of its SHA-256, so two keys or tokens can be told apart
 * (compare with `printf %s "$KEY" | sha256sum | cut -c1-8`). Fingerprint only high-entropy values (keys, tokens):
 * for a password, a fingerprint would confirm a guessed one. Empty or absent: '' (nothing was given).
 */
export function mask(secret: string | undefined | null, { fingerprint = false }: { fingerprint?: boolean } = {}): string {
  if (!secret) return '';
  if (!fingerprint) return MASK;
  return `sha256:${createHash('sha256').update(secret).digest('hex').slice(0, FINGERPRINT_HEX_DIGITS)}`;
}

/**
 * Constant-time comparison of a presented secret against the accepted ones.
 * Both sides are hashed first so that length differences do not leak timing either.
 */
export function matchesAnySecret(presented: string | undefined, accepted: readonly string[]): boolean {
  const given = createHash('sha256')
    .update(presented ?? '')
    .digest();
  let match = false;
  for (const candidate of accepted) {
    const expected = createHash('sha256').update(candidate).digest();
    // No early exit: every accepted key is compared every time.
    if (timingSafeEqual(given, expected) && presented !== undefined) match = true;
  }
  return match;
}
