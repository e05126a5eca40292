/**
 * Child process of the crash test: serves the supplier-document routes over the filesystem store in the
 * directory given as the first argument, on 127.0.0.1, and prints its URL as the first stdout line.
 *   node --import tsx test/supplier-documents/serve-fs-store.ts <data dir>
 */
import { createFileSystemStore, createSupplierDocumentRoutes } from '../../src/adapter/supplier-documents/index.js';
import { listen } from '../../src/shared/server.js';
import { PUBLIC_BASE_URL, requireTestKey } from './support.js';

const dir = process.argv[2];
if (!dir) throw new Error('usage: serve-fs-store.ts <data dir>');
const store = await createFileSystemStore({ dir });
const server = await listen(createSupplierDocumentRoutes({ store, authorize: requireTestKey, publicBaseUrl: PUBLIC_BASE_URL }));
process.stdout.write(`${server.url}\n`);
