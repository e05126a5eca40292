/** File Callback API v2 supplier documents: the routes to mount and the stores behind them. */
export { createSupplierDocumentRoutes, DEFAULT_MAX_CONTENT_BYTES, type SupplierDocumentRoutesOptions } from './routes.js';
export { createFileSystemStore, type FileSystemStoreOptions } from './fs-store.js';
export { createMemoryStore } from './memory-store.js';
export type { SupplierDocumentStore, StoredSupplierDocument, SupplierDocumentInput, OpenedSupplierDocument, MetaDataEntry } from './store.js';
