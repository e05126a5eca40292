import { systemClock, type Clock } from '../../shared/clock.js';
import {
  byFileName,
  describeVersion,
  digestOf,
  type StagedContents,
  type SupplierDocumentInput,
  type SupplierDocumentStore,
  type StoredSupplierDocument,
} from './store.js';

interface Version {
  document: StoredSupplierDocument;
  contents: Uint8Array;
}

/**
 * Supplier documents in memory (tests, demos). Every operation completes without awaiting in between,
 * so each one is atomic on its own; stored versions are never mutated, only swapped.
 */
export function createMemoryStore({ clock = systemClock }: { clock?: Clock } = {}): SupplierDocumentStore {
  const suppliers = new Map<string, Map<string, Version>>();
  const documentsOf = (supplierId: string) => suppliers.get(supplierId) ?? new Map<string, Version>();
  /** Contents this store staged, by the handle it gave out. */
  const staged = new WeakMap<StagedContents, Uint8Array>();

  function put(version: Version): StoredSupplierDocument {
    const { supplierId, fileName } = version.document;
    suppliers.set(supplierId, documentsOf(supplierId).set(fileName, version));
    return version.document;
  }

  /** The input's bytes, a copy so that the caller's buffer can change without changing the stored version. */
  function bytesOf({ contents }: SupplierDocumentInput): Uint8Array {
    if (contents instanceof Uint8Array) return contents.slice();
    const bytes = staged.get(contents);
    if (!bytes) throw new Error('contents staged by another store');
    staged.delete(contents);
    return bytes;
  }

  return {
    async stage() {
      const chunks: Uint8Array[] = [];
      return {
        async write(bytes) {
          chunks.push(bytes.slice());
        },
        async finish() {
          const bytes = Buffer.concat(chunks);
          const handle = digestOf(bytes);
          staged.set(handle, bytes);
          return handle;
        },
        async discard() {
          chunks.length = 0;
        },
      };
    },

    async list(supplierId) {
      return [...documentsOf(supplierId).values()].map((version) => version.document).sort(byFileName);
    },

    async get(supplierId, fileName) {
      const version = documentsOf(supplierId).get(fileName);
      if (!version) return undefined;
      const { contents } = version;
      return {
        document: version.document,
        contents: new ReadableStream<Uint8Array>({
          start(controller) {
            if (contents.byteLength > 0) controller.enqueue(contents.slice());
            controller.close();
          },
        }),
      };
    },

    async create(input) {
      const contents = bytesOf(input);
      if (documentsOf(input.supplierId).has(input.fileName)) return { status: 'exists' };
      return { status: 'created', document: put({ document: describeVersion(input, digestOf(contents), clock), contents }) };
    },

    async replace(input) {
      const contents = bytesOf(input);
      const current = documentsOf(input.supplierId).get(input.fileName);
      if (!current) return undefined;
      return put({ document: describeVersion(input, digestOf(contents), clock, { replaced: current.document }), contents });
    },

    async delete(supplierId, fileName) {
      const documents = suppliers.get(supplierId);
      const version = documents?.get(fileName);
      if (!documents || !version) return undefined;
      documents.delete(fileName);
      if (documents.size === 0) suppliers.delete(supplierId);
      return version.document;
    },

    async close() {},
  };
}
