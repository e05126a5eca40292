import { systemClock, type Clock } from '../../shared/clock.js';
import { byFileName, describeVersion, type SupplierDocumentStore, type StoredSupplierDocument } from './store.js';

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

  function put(version: Version): StoredSupplierDocument {
    const { supplierId, fileName } = version.document;
    suppliers.set(supplierId, documentsOf(supplierId).set(fileName, version));
    return version.document;
  }

  return {
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
      if (documentsOf(input.supplierId).has(input.fileName)) return { status: 'exists' };
      // A copy, so the caller's buffer can change without changing the stored version.
      return { status: 'created', document: put({ document: describeVersion(input, clock), contents: input.contents.slice() }) };
    },

    async replace(input) {
      const current = documentsOf(input.supplierId).get(input.fileName);
      if (!current) return undefined;
      return put({ document: describeVersion(input, clock, current.document), contents: input.contents.slice() });
    },

    async delete(supplierId, fileName) {
      const documents = suppliers.get(supplierId);
      const version = documents?.get(fileName);
      if (!documents || !version) return undefined;
      documents.delete(fileName);
      if (documents.size === 0) suppliers.delete(supplierId);
      return version.document;
    },
  };
}
