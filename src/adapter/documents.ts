import { createHash } from 'node:crypto';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import type { MappingConfig } from './config.js';
import { buildPartIndex, cellText, filesOfRow, findRevision, rowOfRevision, type PartFile, type PartLocation, type RowObject } from './mapping.js';
import { OpenBomError, type OpenBomClient } from './openbom-client.js';
import { createMemoryState } from './state/memory-state.js';
import type { SharedState } from './state/shared-state.js';

export interface DocumentServiceOptions {
  openbom: OpenBomClient;
  /** Catalog ids to search, in order; empty = every catalog OpenBOM lists. */
  catalogs: readonly string[];
  /** Only file URLs on this origin are listed. */
  openBomUrl: string;
  mapping: MappingConfig;
  cacheTtlSeconds: number;
  clock: Clock;
  logger: Logger;
  /** Where the caches live; shared by replicas when it is Redis (default: this process's memory). */
  state?: SharedState;
}

/** Listings are cached per (material, revision) of known parts; this bounds the memory a client can make us use. */
const MAX_CACHED_LISTINGS = 10_000;

/** Finds a part's files for a revision, with the part-number index and listings cached (single flight) for the TTL. */
export function createDocumentService({ openbom, catalogs, openBomUrl, mapping, cacheTtlSeconds, clock, logger, state }: DocumentServiceOptions) {
  const ttlMs = cacheTtlSeconds * 1000;
  const caches = state ?? createMemoryState();
  // Replicas share a cache only when they fill it alike: its name carries the settings that shape the values.
  const shape = createHash('sha256').update(JSON.stringify([catalogs, openBomUrl, mapping])).digest('hex').slice(0, 12);
  const indexCache = caches.cache<Map<string, PartLocation>>(`index:${shape}`, {
    ttlMs,
    clock,
    maxEntries: 1,
    codec: { encode: (index) => [...index], decode: (entries) => new Map(entries as Array<[string, PartLocation]>) },
  });
  const listingCache = caches.cache<PartFile[]>(`listing:${shape}`, { ttlMs, clock, maxEntries: MAX_CACHED_LISTINGS });

  function partIndex(): Promise<Map<string, PartLocation>> {
    return indexCache.get('index', async () => {
      const ids = catalogs.length > 0 ? catalogs : (await openbom.listCatalogs()).map((catalog) => catalog.id);
      const tables = await Promise.all(
        ids.map(async (catalogId) => {
          const table = await orWhenNotFound(openbom.getCatalog(catalogId), undefined);
          if (!table) logger.warn('openbom catalog not found; skipped', { catalogId });
          return table ? [{ catalogId, table }] : [];
        }),
      );
      return buildPartIndex(tables.flat(), mapping.partNumberColumn);
    });
  }

  /** The row of the part at that revision ('' = the current row), or undefined when either is unknown. */
  async function rowAt(part: PartLocation, materialId: string, revision: string): Promise<RowObject | undefined> {
    if (revision === '') return part.row;
    const revisions = await orWhenNotFound(openbom.listItemRevisions(part.catalogId, materialId), []);
    const position = findRevision(revisions, revision);
    if (position >= 0) {
      const merged = await orWhenNotFound(openbom.getMergedRevisions(part.catalogId, materialId), undefined);
      const row = merged && rowOfRevision(merged, revision, position, revisions.length, mapping.revisionColumn);
      if (row) return row;
    }
    // A part without a revision history still answers for the revision its current row carries.
    return cellText(part.row[mapping.revisionColumn]) === revision ? part.row : undefined;
  }

  return {
    /** Files of a material at a revision; [] for an unknown material or revision. OpenBOM failures throw OpenBomError. */
    async listFiles(materialId: string, revision: string): Promise<PartFile[]> {
      const part = (await partIndex()).get(materialId);
      if (!part) return [];
      return listingCache.get(JSON.stringify([materialId, revision]), async () => {
        const row = await rowAt(part, materialId, revision);
        return row ? filesOfRow(row, mapping, openBomUrl) : [];
      });
    },
  };
}

export type DocumentService = ReturnType<typeof createDocumentService>;

/** OpenBOM's 404 ("Part not found", a catalog deleted meanwhile) means "nothing there", not a failure. */
async function orWhenNotFound<T, F>(request: Promise<T>, fallback: F): Promise<T | F> {
  try {
    return await request;
  } catch (error) {
    if (error instanceof OpenBomError && error.status === 404) return fallback;
    throw error;
  }
}
