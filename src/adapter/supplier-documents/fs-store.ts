/**
 * Supplier documents on disk, under `<dir>/supplier-documents/`:
 *
 *   <sha256(supplierId)>/<sha256(fileName)>.doc      one file per document (see document-file.ts)
 *   <sha256(supplierId)>/.<random>.tmp               a version being written
 *
 * Names on disk are hashes, so no user input is ever joined into a path and names that differ only in case
 * stay apart on case-insensitive file systems; the real names live in each file's description.
 *
 * Crash safety: a version is written whole to a temporary file in the same directory, fsynced, then swapped in
 * by rename (replace) or link (create, which fails if the name exists: create-if-absent is atomic even across
 * processes), and the directory is fsynced. A crash at any moment leaves the old version or the new one;
 * leftover temporary files are never listed and are removed when the store is opened.
 * Readers open the file once and read description and contents from that one handle, so a concurrent replace
 * (a new inode) cannot mix versions. Writes to one document are serialized by a per-document mutex.
 */
import { createHash, randomUUID } from 'node:crypto';
import { access, constants, link, mkdir, open, readdir, rename, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { systemClock, type Clock } from '../../shared/clock.js';
import { CorruptDocumentError, encodeDocumentPreamble, readDocumentPreamble } from './document-file.js';
import { KeyedMutex } from './keyed-mutex.js';
import { byFileName, describeVersion, type SupplierDocumentStore, type StoredSupplierDocument } from './store.js';

export interface FileSystemStoreOptions {
  /** The data directory (`--data-dir`, default ./data); documents go to its `supplier-documents` folder. */
  dir: string;
  clock?: Clock;
}

const DOCUMENT_SUFFIX = '.doc';
const TEMP_SUFFIX = '.tmp';
/** Files a listing reads at once; bounds open file descriptors for suppliers with many documents. */
const LIST_CONCURRENCY = 16;

/** Opens (creating if needed) the store and removes temporary files a crash left behind. */
export async function createFileSystemStore({ dir, clock = systemClock }: FileSystemStoreOptions): Promise<SupplierDocumentStore> {
  const root = join(dir, 'supplier-documents');
  await mkdir(root, { recursive: true });
  await access(root, constants.W_OK);
  await removeLeftoverTempFiles(root);
  const writes = new KeyedMutex();

  const supplierDir = (supplierId: string) => join(root, hashName(supplierId));
  const documentPath = (supplierId: string, fileName: string) => join(supplierDir(supplierId), `${hashName(fileName)}${DOCUMENT_SUFFIX}`);

  /** The description of the stored version, checked to belong to this (supplier, fileName); undefined when absent. */
  async function describeStored(supplierId: string, fileName: string): Promise<StoredSupplierDocument | undefined> {
    const opened = await openVersion(supplierId, fileName);
    if (!opened) return undefined;
    await opened.handle.close();
    return opened.document;
  }

  async function openVersion(supplierId: string, fileName: string) {
    const path = documentPath(supplierId, fileName);
    const handle = await openIfExists(path);
    if (!handle) return undefined;
    try {
      const { document, contentsOffset } = await readDocumentPreamble(handle, path);
      if (document.supplierId !== supplierId || document.fileName !== fileName) throw new CorruptDocumentError(path, 'it describes another document');
      return { handle, document, contentsOffset };
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  /** Writes a complete version to a new temporary file next to its final place and flushes it to disk. */
  async function writeTempVersion(document: StoredSupplierDocument, contents: Uint8Array): Promise<string> {
    const directory = supplierDir(document.supplierId);
    await ensureDirectory(directory, root);
    const tempPath = join(directory, `.${randomUUID()}${TEMP_SUFFIX}`);
    const handle = await open(tempPath, 'wx');
    try {
      // writeFile on a handle writes everything, from the current position on.
      await handle.writeFile(encodeDocumentPreamble(document));
      await handle.writeFile(contents);
      await handle.sync();
      await handle.close();
    } catch (error) {
      await handle.close().catch(() => undefined);
      await unlink(tempPath).catch(() => undefined);
      throw error;
    }
    return tempPath;
  }

  const lockKey = (supplierId: string, fileName: string) => documentPath(supplierId, fileName);

  return {
    async list(supplierId) {
      let names: string[];
      try {
        names = await readdir(supplierDir(supplierId));
      } catch (error) {
        if (isCode(error, 'ENOENT')) return [];
        throw error;
      }
      const paths = names.filter((name) => name.endsWith(DOCUMENT_SUFFIX)).map((name) => join(supplierDir(supplierId), name));
      const documents = await mapWithConcurrency(paths, LIST_CONCURRENCY, async (path) => {
        const handle = await openIfExists(path);
        // Deleted between readdir and open.
        if (!handle) return undefined;
        try {
          return (await readDocumentPreamble(handle, path)).document;
        } finally {
          await handle.close();
        }
      });
      return documents.filter((document): document is StoredSupplierDocument => document !== undefined).sort(byFileName);
    },

    async get(supplierId, fileName) {
      const opened = await openVersion(supplierId, fileName);
      if (!opened) return undefined;
      const { handle, document, contentsOffset } = opened;
      // The stream owns the handle: reading to the end or cancelling closes it.
      const stream = handle.createReadStream({ start: contentsOffset, autoClose: true });
      return { document, contents: Readable.toWeb(stream) as unknown as ReadableStream<Uint8Array> };
    },

    create(input) {
      return writes.run(lockKey(input.supplierId, input.fileName), async () => {
        const finalPath = documentPath(input.supplierId, input.fileName);
        if (await describeStored(input.supplierId, input.fileName)) return { status: 'exists' as const };
        const document = describeVersion(input, clock);
        const tempPath = await writeTempVersion(document, input.contents);
        try {
          await link(tempPath, finalPath);
        } catch (error) {
          if (isCode(error, 'EEXIST')) return { status: 'exists' as const };
          throw error;
        } finally {
          await unlink(tempPath);
        }
        await syncDirectory(supplierDir(input.supplierId));
        return { status: 'created' as const, document };
      });
    },

    replace(input) {
      return writes.run(lockKey(input.supplierId, input.fileName), async () => {
        const current = await describeStored(input.supplierId, input.fileName);
        if (!current) return undefined;
        const document = describeVersion(input, clock, current);
        const tempPath = await writeTempVersion(document, input.contents);
        try {
          await rename(tempPath, documentPath(input.supplierId, input.fileName));
        } catch (error) {
          await unlink(tempPath).catch(() => undefined);
          throw error;
        }
        await syncDirectory(supplierDir(input.supplierId));
        return document;
      });
    },

    delete(supplierId, fileName) {
      return writes.run(lockKey(supplierId, fileName), async () => {
        const current = await describeStored(supplierId, fileName);
        if (!current) return undefined;
        await unlink(documentPath(supplierId, fileName));
        await syncDirectory(supplierDir(supplierId));
        return current;
      });
    },
  };
}

function hashName(name: string): string {
  return createHash('sha256').update(name, 'utf8').digest('hex');
}

async function openIfExists(path: string): Promise<FileHandle | undefined> {
  try {
    return await open(path, 'r');
  } catch (error) {
    if (isCode(error, 'ENOENT')) return undefined;
    throw error;
  }
}

/** Creates a supplier's directory on first use and makes its entry in the parent durable. */
async function ensureDirectory(directory: string, parent: string): Promise<void> {
  try {
    await mkdir(directory);
  } catch (error) {
    if (isCode(error, 'EEXIST')) return;
    throw error;
  }
  await syncDirectory(parent);
}

/** Makes renames, links and unlinks in a directory durable. */
async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } catch (error) {
    // Some platforms (Windows) cannot fsync a directory; the rename itself is still atomic there.
    if (!isCode(error, 'EPERM') && !isCode(error, 'EISDIR') && !isCode(error, 'EINVAL')) throw error;
  } finally {
    await handle.close();
  }
}

async function removeLeftoverTempFiles(root: string): Promise<void> {
  const suppliers = await readdir(root, { withFileTypes: true });
  for (const supplier of suppliers.filter((entry) => entry.isDirectory())) {
    const directory = join(root, supplier.name);
    const leftovers = (await readdir(directory)).filter((name) => name.endsWith(TEMP_SUFFIX));
    await Promise.all(leftovers.map((name) => unlink(join(directory, name))));
  }
}

async function mapWithConcurrency<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

function isCode(error: unknown, code: string): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === code;
}
