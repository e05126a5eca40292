/** File Callback API v2 supplier documents: the routes to mount and the stores behind them. */
export {
  createSupplierDocumentRoutes,
  DEFAULT_MAX_CONCURRENT_UPLOADS,
  DEFAULT_MAX_CONTENT_BYTES,
  type SupplierDocumentRoutesOptions,
} from './routes.js';
export { createFileSystemStore, type FileSystemStoreOptions } from './fs-store.js';
export { createMemoryStore } from './memory-store.js';
export { DataDirInUseError } from './replica-registry.js';
export * from './store.js';
