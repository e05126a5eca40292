import { createHash, timingSafeEqual } from 'node:crypto';

/** A secret shown in logs and journals: enough to tell two apart, never enough to use one. */
export function mask(secret: string | undefined | null): string {
  if (!secret) return '';
  if (secret.length <= 8) return '****';
  return `${secret.slice(0, 4)}****`;
}

/**
 * Constant-time comparison of a presented secret against the accepted ones.
 * Both sides are hashed first so that length differences do not leak timing either.
 */
export function matchesAnySecret(presented: string | undefined, accepted: readonly string[]): boolean {
  const given = createHash('sha256').update(presented ?? '').digest();
  let match = false;
  for (const candidate of accepted) {
    const expected = createHash('sha256').update(candidate).digest();
    // No early exit: every accepted key is compared every time.
    if (timingSafeEqual(given, expected) && presented !== undefined) match = true;
  }
  return match;
}
