/** Every check, in report order. Ids are stable: CI configurations refer to them (--only). */
import { authChecks } from './auth.js';
import { inputChecks } from './input.js';
import { latencyChecks } from './latency.js';
import { linkChecks } from './links.js';
import { listingChecks } from './listing.js';
import { observedChecks } from './observed.js';
import { revisionChecks } from './revision.js';
import type { Check } from './support.js';
import { transportChecks } from './transport.js';
import { unknownChecks } from './unknown.js';
import { v2DocumentChecks } from './v2.js';
import { v2AccessChecks } from './v2-access.js';
import { v2HostileChecks } from './v2-hostile.js';

export type { Check, Outcome } from './support.js';

/** The v2 supplier-document checks: reported only when the run asks for them (--v2 --supplier ID). */
export const v2Checks: readonly Check[] = [...v2DocumentChecks, ...v2AccessChecks, ...v2HostileChecks];

export const checks: readonly Check[] = [
  ...listingChecks,
  ...revisionChecks,
  ...unknownChecks,
  ...authChecks,
  ...linkChecks,
  ...inputChecks,
  ...latencyChecks,
  ...transportChecks,
  ...v2Checks,
  // Last: they judge every answer the checks before them received.
  ...observedChecks,
];
