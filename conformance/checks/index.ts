/** Every check, in report order. Ids are stable: CI configurations refer to them (--only). */
import { authChecks } from './auth.js';
import { inputChecks } from './input.js';
import { latencyChecks } from './latency.js';
import { linkChecks } from './links.js';
import { listingChecks } from './listing.js';
import { revisionChecks } from './revision.js';
import type { Check } from './support.js';
import { transportChecks } from './transport.js';
import { unknownChecks } from './unknown.js';

export type { Check, Outcome } from './support.js';

export const checks: readonly Check[] = [
  ...listingChecks,
  ...revisionChecks,
  ...unknownChecks,
  ...authChecks,
  ...linkChecks,
  ...inputChecks,
  ...latencyChecks,
  ...transportChecks,
];
