import { createHash } from 'node:crypto';
import type { Clock } from '../../shared/clock.js';

/** One `{key, value}` pair of a document's metaData, stored and returned in the order given. */
export interface MetaDataEntry {
  key: string;
  value: string;
}

/** Contents a store's `stage` has taken in whole, ready for one create or replace in that same store. */
export interface StagedContents {
  readonly size: number;
  /** Hex SHA-256 of the contents. */
  readonly sha256: string;
}

/** Contents being taken in as they arrive (an upload's decoded base64), before the document is known to be valid. */
export interface ContentsStage {
  write(bytes: Uint8Array): Promise<void>;
  finish(): Promise<StagedContents>;
  /** Drops what was written; safe to call in any state. */
  discard(): Promise<void>;
}

/**
 * What POST and PUT hand to the store: already validated. Contents are either bytes or staged by the store's
 * `stage` (then create/replace consume them, committed or dropped, whatever they answer).
 */
export interface SupplierDocumentInput {
  supplierId: string;
  fileName: string;
  metaData: MetaDataEntry[];
  contents: Uint8Array | StagedContents;
}

/** A stored version's description; `size` and `sha256` describe exactly the contents stored with it. */
export interface StoredSupplierDocument {
  supplierId: string;
  fileName: string;
  metaData: MetaDataEntry[];
  size: number;
  /** Hex SHA-256 of the contents. */
  sha256: string;
  /** ISO 8601; kept across replaces. */
  createdAt: string;
  /** ISO 8601; when the current contents were stored. */
  updatedAt: string;
  /**
   * The fencing token the version was written under (file system store): versions of one document carry increasing
   * tokens, and a writer never swaps in a version whose token is not above the stored one's.
   */
  fence?: number;
}

/**
 * A document opened for reading: the description and the contents of one and the same version, even when a
 * replace lands meanwhile. The caller must either read `contents` to the end or cancel it (that releases the file).
 */
export interface OpenedSupplierDocument {
  document: StoredSupplierDocument;
  contents: ReadableStream<Uint8Array>;
}

export type CreateResult = { status: 'created'; document: StoredSupplierDocument } | { status: 'exists' };

/**
 * Where supplier documents live. Documents are keyed by (supplierId, fileName), compared exactly.
 * Implementations serialize writes to one key, make create-if-absent atomic, and never let a reader see a mix
 * of two versions.
 */
export interface SupplierDocumentStore {
  /** Starts taking in the contents of an upload for this supplier. */
  stage(supplierId: string): Promise<ContentsStage>;
  /** The supplier's documents sorted by fileName (UTF-16 code unit order); [] for a supplier never seen. */
  list(supplierId: string): Promise<StoredSupplierDocument[]>;
  /** undefined when there is no such document. */
  get(supplierId: string, fileName: string): Promise<OpenedSupplierDocument | undefined>;
  /** Stores a new document unless one of that name exists. */
  create(input: SupplierDocumentInput): Promise<CreateResult>;
  /** Replaces an existing document (contents and metaData; createdAt is kept); undefined when there is none. */
  replace(input: SupplierDocumentInput): Promise<StoredSupplierDocument | undefined>;
  /** Removes a document and returns what it was; undefined when there is none. */
  delete(supplierId: string, fileName: string): Promise<StoredSupplierDocument | undefined>;
  /** Lets go of what the store holds outside its data (its replica registration, its Redis connection). */
  close(): Promise<void>;
}

/**
 * The store cannot take this write now but will soon (another replica holds the document for longer than a request
 * waits, the lock service is unreachable, or this writer's lock lapsed): 503 with Retry-After.
 */
export class DocumentStoreBusyError extends Error {
  override name = 'DocumentStoreBusyError';
}

/** The description of a new version of `input` with these contents, stored at the clock's now; a replace passes the version it replaces. */
export function describeVersion(
  input: Omit<SupplierDocumentInput, 'contents'>,
  contents: StagedContents,
  clock: Clock,
  { replaced, fence }: { replaced?: StoredSupplierDocument | undefined; fence?: number } = {},
): StoredSupplierDocument {
  const now = new Date(clock.now()).toISOString();
  return {
    supplierId: input.supplierId,
    fileName: input.fileName,
    metaData: input.metaData.map(({ key, value }) => ({ key, value })),
    size: contents.size,
    sha256: contents.sha256,
    createdAt: replaced?.createdAt ?? now,
    updatedAt: now,
    ...(fence !== undefined ? { fence } : {}),
  };
}

/** Size and SHA-256 of contents given as bytes. */
export function digestOf(bytes: Uint8Array): StagedContents {
  return { size: bytes.byteLength, sha256: createHash('sha256').update(bytes).digest('hex') };
}

export function byFileName(a: StoredSupplierDocument, b: StoredSupplierDocument): number {
  return a.fileName < b.fileName ? -1 : a.fileName > b.fileName ? 1 : 0;
}
