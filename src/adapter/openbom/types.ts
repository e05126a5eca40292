import type { Priority } from '../state/permit-pool.js';

export type { Priority } from '../state/permit-pool.js';

/** What any call to OpenBOM may be given. */
export interface RequestOptions {
  /**
   * Abandons the call: it reaches every wait (for a permit, a login under way, the answer, a backoff, storage), and
   * the call then rejects with an OpenBomError saying the caller gave up. A call abandoned while it waits for a
   * permit never reaches OpenBOM.
   */
  signal?: AbortSignal;
  /** `foreground` (default): a Jakamo request waits on it. `background`: refreshes and snapshots, served after. */
  priority?: Priority;
}

/** A catalog or merged-revisions document: column names and rows of cells in that order. */
export interface OpenBomTable {
  columns: string[];
  cells: unknown[][];
}

export interface CatalogSummary {
  id: string;
  name?: string;
}

/** One entry of GET /catalog/<id>/revisions/partnumber/<pn> (fields the adapter reads). */
export interface ItemRevision {
  revision?: unknown;
  revisionNumber?: unknown;
}

/** A file on its way from OpenBOM's storage; `body` is null for headers-only requests. */
export interface OpenBomFile {
  contentType: string | null;
  contentLength: string | null;
  body: ReadableStream<Uint8Array> | null;
}

export interface OpenFileOptions extends RequestOptions {
  /** Only the headers: the body is not read (a GET all the same: presigned URLs are usually signed for GET only). */
  headersOnly?: boolean;
}

/** The OpenBOM calls the adapter makes. */
export interface OpenBomClient {
  listCatalogs(options?: RequestOptions): Promise<CatalogSummary[]>;
  getCatalog(catalogId: string, options?: RequestOptions): Promise<OpenBomTable>;
  listItemRevisions(catalogId: string, partNumber: string, options?: RequestOptions): Promise<ItemRevision[]>;
  getMergedRevisions(catalogId: string, partNumber: string, options?: RequestOptions): Promise<OpenBomTable>;
  /**
   * Fetches a file cell's URL (`<openbom>/document/<id>/image?filename=…`), follows OpenBOM's redirect to its storage
   * without any OpenBOM header, and hands back the storage response's stream. Refuses any other URL (UnsafeFileUrlError).
   */
  openFile(fileUrl: string, options?: OpenFileOptions): Promise<OpenBomFile>;
}

/** OpenBOM answered with an error, could not be reached within the retry budget, or the caller gave up. */
export class OpenBomError extends Error {
  override name = 'OpenBomError';
  /** The upstream HTTP status, when there was an answer. */
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** A file URL that is not an OpenBOM document URL on the configured origin; never fetched. */
export class UnsafeFileUrlError extends Error {
  override name = 'UnsafeFileUrlError';
}
