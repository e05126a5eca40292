import { createHash } from 'node:crypto';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import type { MappingConfig } from './config.js';
import { cellText, filesOfRow, findRevision, rowOfRevision, tableRows, type PartFile } from './mapping.js';
import { OpenBomError, type OpenBomClient, type OpenBomTable } from './openbom/index.js';
import { WarmValue } from './refresher.js';
import { createMemoryState } from './state/memory-state.js';
import type { Priority } from './state/permit-pool.js';
import type { SharedState } from './state/shared-state.js';
import { silentTelemetry, type AdapterTelemetry } from './telemetry.js';

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
  telemetry?: AdapterTelemetry;
  /**
   * Default true: the index is answered from hand while it is rebuilt in the background, and revision listings are
   * answered stale while they reload. false: every expiry is rebuilt on the request path (the behaviour before
   * issue 15, kept for bench:tenant's side-by-side figures).
   */
  keepWarm?: boolean;
}

/**
 * What a listing needs of a part's current row, and nothing more: 100,000 parts then cost a few MB rather than every
 * cell of every row, in this process (where rebuilding a large index would otherwise stall listings in the garbage
 * collector) and in Redis alike.
 */
export interface IndexedPart {
  catalogId: string;
  /** The current row's revision label. */
  revision: string;
  /** The current row's files, as listed. */
  files: PartFile[];
}

/** The part-number index and when it was built (epoch ms, by whichever replica built it). */
export interface PartIndex {
  builtAt: number;
  parts: Map<string, IndexedPart>;
}

const NO_FILES: PartFile[] = [];

/** Listings are cached per (material, revision) of known parts; this bounds the memory a client can make us use. */
const MAX_CACHED_LISTINGS = 10_000;
/** How often the keep-warm timer asks the index cache at most (it only reaches OpenBOM when the entry expired). */
const MAX_REFRESH_CHECK_MS = 1_000;
/** With a TTL of 0 (rebuild continuously), the timer still only looks this often. */
const MIN_REFRESH_CHECK_MS = 100;

/**
 * Finds a part's files for a revision. The part-number index is kept warm: loaded at start (`warmUp`), then refreshed
 * in the background when its cache entry expires, while listings keep answering from the index in hand; so after
 * start-up no listing waits on an index rebuild. A change in OpenBOM shows within TTL + one rebuild. Listings of a
 * named revision are cached per (material, revision) for the TTL and answered stale for one more TTL while a
 * background load replaces them.
 */
export function createDocumentService({
  openbom,
  catalogs,
  openBomUrl,
  mapping,
  cacheTtlSeconds,
  clock,
  logger,
  state,
  telemetry = silentTelemetry,
  keepWarm = true,
}: DocumentServiceOptions) {
  const ttlMs = cacheTtlSeconds * 1000;
  const caches = state ?? createMemoryState();
  // Replicas share a cache only when they fill it alike: its name carries the settings that shape the values.
  const shape = createHash('sha256')
    .update(JSON.stringify([catalogs, openBomUrl, mapping]))
    .digest('hex')
    .slice(0, 12);
  const indexCache = caches.cache<PartIndex>(`part-index:${shape}`, {
    ttlMs,
    clock,
    maxEntries: 1,
    codec: { encode: ({ builtAt, parts }) => ({ builtAt, parts: [...parts] }), decode: decodePartIndex },
  });
  const listingCache = caches.cache<PartFile[]>(`listing:${shape}`, {
    ttlMs,
    clock,
    maxEntries: MAX_CACHED_LISTINGS,
    staleMs: keepWarm ? ttlMs : 0,
    onLookup: (outcome) => telemetry.cacheLookup('listing', outcome),
  });

  async function buildIndex(priority: Priority): Promise<PartIndex> {
    const ids = catalogs.length > 0 ? catalogs : (await openbom.listCatalogs({ priority })).map((catalog) => catalog.id);
    // Each catalog is indexed as it arrives, and they are merged one per turn of the event loop: a tenant of 100,000
    // parts never holds the loop for long while listings are being answered from the index in hand.
    const perCatalog = await Promise.all(
      ids.map(async (catalogId) => {
        const table = await orWhenNotFound(openbom.getCatalog(catalogId, { priority }), undefined);
        if (!table) logger.warn('openbom catalog not found; skipped', { catalogId });
        return table ? indexCatalog(catalogId, table) : undefined;
      }),
    );
    const parts = new Map<string, IndexedPart>();
    for (const catalogParts of perCatalog) {
      // In the configured order, the first catalog holding a part number wins.
      for (const [partNumber, location] of catalogParts ?? []) if (!parts.has(partNumber)) parts.set(partNumber, location);
      await new Promise((resolve) => setImmediate(resolve));
    }
    return { builtAt: clock.now(), parts };
  }

  /** Part number → what a listing needs; the first row holding a part number wins, as across catalogs. */
  function indexCatalog(catalogId: string, table: OpenBomTable): Map<string, IndexedPart> {
    const parts = new Map<string, IndexedPart>();
    for (const row of tableRows(table)) {
      const partNumber = cellText(row[mapping.partNumberColumn]);
      if (partNumber === '' || parts.has(partNumber)) continue;
      const files = filesOfRow(row, mapping, openBomUrl);
      parts.set(partNumber, { catalogId, revision: cellText(row[mapping.revisionColumn]), files: files.length > 0 ? files : NO_FILES });
    }
    return parts;
  }

  const index = new WarmValue<PartIndex>({
    clock,
    load: (priority) => indexCache.get('index', () => buildIndex(priority)),
    // One line when a loaded index stops refreshing, one when it works again (start-up failures are told by `serve`).
    onRefreshFailed: (error, inARow) => {
      if (inARow === 1 && index.isLoaded)
        logger.warn('part index refresh failed; answering from the index in hand', { reason: reasonOf(error) });
    },
    onRefreshRecovered: () => logger.info('part index loaded again after a failure'),
  });

  async function partIndex(): Promise<Map<string, IndexedPart>> {
    if (!keepWarm) return (await indexCache.get('index', () => buildIndex('foreground'))).parts;
    telemetry.cacheLookup('index', index.isLoaded ? 'hit' : 'miss');
    return (await index.get()).parts;
  }

  /** The part's files at a named revision; [] when the revision is unknown. */
  async function filesAt(part: IndexedPart, materialId: string, revision: string, priority: Priority): Promise<PartFile[]> {
    const revisions = await orWhenNotFound(openbom.listItemRevisions(part.catalogId, materialId, { priority }), []);
    const position = findRevision(revisions, revision);
    if (position >= 0) {
      const merged = await orWhenNotFound(openbom.getMergedRevisions(part.catalogId, materialId, { priority }), undefined);
      const row = merged && rowOfRevision(merged, revision, position, revisions.length, mapping.revisionColumn);
      if (row) return filesOfRow(row, mapping, openBomUrl);
    }
    // A part without a revision history still answers for the revision its current row carries.
    return part.revision === revision ? part.files : [];
  }

  return {
    /** Files of a material at a revision; [] for an unknown material or revision. OpenBOM failures throw OpenBomError. */
    async listFiles(materialId: string, revision: string): Promise<PartFile[]> {
      const part = (await partIndex()).get(materialId);
      if (!part) return [];
      // The current row comes with the index: nothing more to ask, and never older than the index in hand.
      if (revision === '') return part.files;
      return listingCache.get(JSON.stringify([materialId, revision]), (priority = 'foreground') =>
        filesAt(part, materialId, revision, priority),
      );
    },
    /**
     * Keeps the part index warm until `stop`, and loads it now: rejects with what OpenBOM answered when that fails
     * (the background keeps trying, at a growing interval).
     */
    async warmUp(): Promise<void> {
      index.start(Math.max(MIN_REFRESH_CHECK_MS, Math.min(MAX_REFRESH_CHECK_MS, ttlMs / 4)));
      await index.get();
    },
    /** Asks for a background refresh now (the keep-warm timer does this on its own). */
    refreshIndex: () => index.refresh(),
    stop: () => index.stop(),
    /** Whether an index is in hand, its age, and the error of the latest attempt to load it (undefined once one worked). */
    indexStatus(): { loaded: boolean; ageSeconds: number | undefined; lastError: unknown } {
      const built = index.isLoaded ? index.peek()?.builtAt : undefined;
      return {
        loaded: index.isLoaded,
        ageSeconds: built === undefined ? undefined : Math.max(0, clock.now() - built) / 1000,
        lastError: index.lastError,
      };
    },
  };
}

function decodePartIndex(data: unknown): PartIndex {
  const { builtAt, parts } = (data ?? {}) as { builtAt?: unknown; parts?: unknown };
  // Anything else (another version's layout) is treated as absent and rebuilt.
  if (typeof builtAt !== 'number' || !Array.isArray(parts)) throw new TypeError('not a part index');
  return { builtAt, parts: new Map(parts as Array<[string, IndexedPart]>) };
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
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
