/** Unknown materials and revisions: 200 {"data": []}, which Jakamo shows as "no files". */
import type { Listing } from '../context.js';
import { listingOf, listingProblem } from './revision.js';
import { fail, JAKAMO, pass, statusOf, type Check, type Outcome } from './support.js';

const NOT_FOUND_RULE =
  'v1 §4: "Material/revision not found | 200 + "data": [] recommended | No files found for this item number!"; "If you return 404 Not Found, Jakamo currently treats it as a technical error (same generic message as 500), not as “no files found”."';

export const unknownChecks: Check[] = [
  {
    id: 'unknown.empty-list',
    severity: 'MUST',
    title: 'An unknown material answers 200 {"data": []}',
    why: NOT_FOUND_RULE,
    dependsOn: ['listing.schema'],
    async run(ctx) {
      const { unknownMaterial } = ctx.settings;
      const listing = await listingOf(ctx, unknownMaterial, undefined);
      return judgeNotFound(listing, `material ${unknownMaterial}`, 'an item number that does not exist');
    },
  },
  {
    id: 'unknown.revision',
    severity: 'MUST',
    title: 'An unknown revision answers 200 with a list, not an error',
    why: NOT_FOUND_RULE,
    dependsOn: ['listing.schema'],
    async run(ctx) {
      const { material, unknownRevision } = ctx.settings;
      const listing = await listingOf(ctx, material, unknownRevision);
      const problem = listingProblem(listing);
      if (problem === undefined) return pass(`revision ${unknownRevision}: 200 with ${listing.documents.length} file(s)`, listing.exchange);
      return fail(
        `revision ${unknownRevision} of ${material}: ${problem}${notFoundHint(listing)}`,
        `${JAKAMO.unavailable} instead of ${JAKAMO.noFiles}`,
        listing.exchange,
      );
    },
  },
  {
    id: 'unknown.revision-empty',
    severity: 'SHOULD',
    title: 'An unknown revision lists no files',
    why: `${NOT_FOUND_RULE} Listing other files (e.g. the latest revision) for a revision that does not exist shows documents the order line did not ask for.`,
    dependsOn: ['unknown.revision'],
    async run(ctx) {
      const { material, unknownRevision } = ctx.settings;
      const listing = await listingOf(ctx, material, unknownRevision);
      return judgeNotFound(listing, `revision ${unknownRevision} of ${material}`, 'a revision that does not exist');
    },
  },
];

function judgeNotFound(listing: Listing, subject: string, what: string): Outcome {
  const problem = listingProblem(listing);
  if (problem)
    return fail(`${subject}: ${problem}${notFoundHint(listing)}`, `${JAKAMO.unavailable} instead of ${JAKAMO.noFiles}`, listing.exchange);
  if (listing.documents.length > 0) {
    return fail(
      `${subject}: ${listing.documents.length} file(s) listed for ${what}; answer 200 {"data": []}`,
      `Files that do not belong to the order line, instead of ${JAKAMO.noFiles}`,
      listing.exchange,
    );
  }
  return pass(`${subject}: 200 {"data": []}`, listing.exchange);
}

function notFoundHint(listing: Listing): string {
  return statusOf(listing.exchange) === 404
    ? '. Jakamo treats a 404 as a technical error and shows its generic error instead of "No files found for this item number!"; answer 200 {"data": []}'
    : '';
}
