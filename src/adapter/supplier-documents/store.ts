import { createHash } from 'node:crypto';
import type { Clock } from '../../shared/clock.js';

/** One `{key, value}` pair of a document's metaData, stored and returned in the order given. */
export interface MetaDataEntry {
  key: string;
  value: string;
}

/** What POST and PUT hand to the store: already validated and decoded. */
export interface SupplierDocumentInput {
  supplierId: string;
  fileName: string;
  metaData: MetaDataEntry[];
  contents: Uint8Array;
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
}

/** The description of a new version of `input`, stored at the clock's now; a replace passes the version it replaces. */
export function describeVersion(input: SupplierDocumentInput, clock: Clock, replaced?: StoredSupplierDocument): StoredSupplierDocument {
  const now = new Date(clock.now()).toISOString();
  return {
    supplierId: input.supplierId,
    fileName: input.fileName,
    metaData: input.metaData.map(({ key, value }) => ({ key, value })),
    size: input.contents.byteLength,
    sha256: createHash('sha256').update(input.contents).digest('hex'),
    createdAt: replaced?.createdAt ?? now,
    updatedAt: now,
  };
}

export function byFileName(a: StoredSupplierDocument, b: StoredSupplierDocument): number {
  return a.fileName < b.fileName ? -1 : a.fileName > b.fileName ? 1 : 0;
}
