/** Revisions: none means the latest, two revisions list different files, an empty revision does not break the server. */
import type { CheckContext, Listing } from '../context.js';
import type { Document } from '../schema.js';
import { describe, fail, JAKAMO, leakProblems, pass, skip, statusOf, type Check } from './support.js';

export const revisionChecks: Check[] = [
  {
    id: 'revision.latest',
    severity: 'MUST',
    title: 'Without a revision, the latest revision is listed',
    why: 'v1 §2: "If the Revision field on the order line is empty, Jakamo sends the query without a revision parameter"; v1 §1: "The revision parameter is optional. If a revision parameter is not provided, the latest revision should be returned"; v2: "If not specified, the latest revision is returned".',
    dependsOn: ['listing.schema'],
    async run(ctx) {
      const { revision, material } = ctx.settings;
      if (revision === undefined) {
        const { exchange, documents } = await ctx.listing();
        return pass(`the listing was requested without a revision: 200 with ${documents.length} file(s)`, exchange);
      }
      const latest = await listingOf(ctx, material, undefined);
      const problem = listingProblem(latest);
      if (problem)
        return fail(
          `without a revision: ${problem}`,
          `${JAKAMO.unavailable} on every order line whose Revision field is empty`,
          latest.exchange,
        );
      const withRevision = await ctx.listing();
      if (latest.documents.length === 0 && withRevision.documents.length > 0) {
        return fail(
          `without a revision the list is empty, while revision ${revision} has ${withRevision.documents.length} file(s); the latest revision should be returned`,
          `${JAKAMO.noFiles} on every order line whose Revision field is empty`,
          latest.exchange,
        );
      }
      return pass(`200 with ${latest.documents.length} file(s)`, latest.exchange);
    },
  },
  {
    id: 'revision.differs',
    severity: 'MUST',
    title: 'Two revisions list different files',
    why: 'v1 §1: "…?materialId=55-554354&revision=120 would fetch files for item number 55-554354 revision 120"; v1 §2: "The revision is always read from the dedicated Revision field". A server that ignores it shows every order line the same revision\'s documents.',
    dependsOn: ['listing.schema'],
    async run(ctx) {
      const { material, revision, otherRevision } = ctx.settings;
      if (otherRevision === undefined) return skip('give --other-revision (a revision whose files differ) to run this check');
      const [first, other] = await Promise.all([ctx.listing(), listingOf(ctx, material, otherRevision)]);
      const problem = listingProblem(other);
      if (problem)
        return fail(
          `revision ${otherRevision}: ${problem}`,
          `${JAKAMO.unavailable} on order lines with revision ${otherRevision}`,
          other.exchange,
        );
      const firstName = revision === undefined ? 'the latest revision' : `revision ${revision}`;
      if (fingerprint(first.documents) === fingerprint(other.documents)) {
        return fail(
          `${firstName} and revision ${otherRevision} list the same ${other.documents.length} file(s): the revision parameter seems to be ignored`,
          'The files of another revision, with no warning: the supplier may work from the wrong drawing',
          other.exchange,
        );
      }
      return pass(
        `${firstName}: ${first.documents.length} file(s); revision ${otherRevision}: ${other.documents.length} file(s), not the same`,
        other.exchange,
      );
    },
  },
  {
    id: 'revision.empty',
    severity: 'MUST',
    title: 'An empty revision= does not break the server',
    why: 'v1 §1 query template "materialId=[item_id]&revision=[revision]" is filled from the order line, whose Revision field may be empty (v1 §2); v2 lists 5xx as server errors and 400 for invalid requests, so an empty parameter must never fail the server.',
    async run(ctx) {
      const exchange = await ctx.sendOnce({ url: ctx.listingUrl({ materialId: ctx.settings.material, revision: '' }), auth: 'key' });
      const status = statusOf(exchange);
      if (status === undefined || status >= 500) {
        return fail(`revision= (empty): ${describe(exchange)}`, `${JAKAMO.unavailable} whenever the revision arrives empty`, exchange);
      }
      const leaks = leakProblems(ctx, exchange);
      if (leaks.length > 0)
        return fail(
          `revision= (empty): ${leaks.join('; ')}`,
          `${JAKAMO.unavailable}, while the answer shows your server's internals`,
          exchange,
        );
      return pass(`revision= (empty): ${describe(exchange)}`, exchange);
    },
  },
];

export function listingOf(ctx: CheckContext, materialId: string, revision: string | undefined): Promise<Listing> {
  return ctx.sendOnce({ url: ctx.listingUrl({ materialId, revision }), auth: 'key' }).then((exchange) => ctx.readListing(exchange));
}

/** Why a listing is not a 200 DocumentList, or undefined when it is. */
export function listingProblem(listing: Listing): string | undefined {
  if (statusOf(listing.exchange) !== 200) return `answered ${describe(listing.exchange)} instead of 200`;
  if (listing.jsonError !== undefined) return `the body is not JSON (${listing.jsonError})`;
  if (listing.problems.length > 0) return `the listing does not match the schema: ${listing.problems.slice(0, 3).join('; ')}`;
  return undefined;
}

/** The same files in any order give the same fingerprint. */
function fingerprint(documents: Document[]): string {
  return JSON.stringify(documents.map((d) => [d.fileName, d.description, d.type ?? '', d.link]).sort());
}
