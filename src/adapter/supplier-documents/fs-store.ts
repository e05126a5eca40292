/**
 * Supplier documents on disk, under `<dir>/supplier-documents/` (folders 0700, files 0600):
 *
 *   .store-id                                               this data directory's id (names its Redis keys)
 *   .replicas/<replica id>.json                             the processes using it (replica-registry.ts)
 *   <sha256(supplierId)>/<sha256(fileName)>.doc             one file per document (see document-file.ts)
 *   <sha256(supplierId)>/.<replica id>.<random>.tmp         a version being written, by that replica
 *
 * Names on disk are hashes, so no user input is ever joined into a path and names that differ only in case
 * stay apart on case-insensitive file systems; the real names live in each file's description.
 *
 * Crash safety: an upload streams into a temporary file in the document's directory; once valid, its description
 * is appended, it is fsynced, then swapped in by rename (replace) or link (create, which fails if the name exists:
 * create-if-absent is atomic even across processes), and the directory is fsynced. A crash at any moment leaves the
 * old version or the new one; temporary files are never listed, and start-up removes those whose writer is dead.
 * Readers open the file once and read description and contents from that one handle, so a concurrent replace
 * (a new inode) cannot mix versions. Writes to one document hold its lock (document-locks.ts): in this process, or
 * in Redis when several replicas share the directory.
 *
 * A damaged document file is logged and left out of the listing; it can still be replaced or deleted.
 */
import { createHash, randomUUID } from 'node:crypto';
import { access, chmod, constants, link, mkdir, open, readdir, readFile, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { systemClock, type Clock } from '../../shared/clock.js';
import { mapWithConcurrency } from '../../shared/concurrency.js';
import { silentLogger, type Logger } from '../../shared/logger.js';
import { CorruptDocumentError, DOCUMENT_HEADER, encodeDocumentTrailer, readDocumentPreamble } from './document-file.js';
import { createLocalLocks, type DocumentLease, type DocumentLocks } from './document-locks.js';
import { registerReplica, type ReplicaRegistry } from './replica-registry.js';
import {
  byFileName,
  describeVersion,
  DocumentStoreBusyError,
  type ContentsStage,
  type StagedContents,
  type SupplierDocumentInput,
  type SupplierDocumentStore,
  type StoredSupplierDocument,
} from './store.js';

export interface FileSystemStoreOptions {
  /** The data directory (`--data-dir`, default ./data); documents go to its `supplier-documents` folder. */
  dir: string;
  clock?: Clock;
  logger?: Logger;
  /**
   * Replicas sharing the directory lock documents in this Redis (`--state-url`). Without it, the directory belongs
   * to this process alone, and a second process on it is refused (DataDirInUseError).
   */
  shared?: { url: string; keyPrefix: string; lockTtlMs?: number };
}

const DOCUMENT_SUFFIX = '.doc';
const TEMP_SUFFIX = '.tmp';
const TEMP_NAME = /^\.([0-9a-f-]{36})\.[0-9a-f-]{36}\.tmp$/;
const STORE_ID_FILE = '.store-id';
/** Files a listing reads at once; bounds open file descriptors for suppliers with many documents. */
const LIST_CONCURRENCY = 16;

interface StagedFile {
  tempPath: string;
  directory: string;
  handle: FileHandle;
}

/** What is stored under a document's name: a readable version, a damaged file, or nothing. */
type Current = { document: StoredSupplierDocument } | { damaged: CorruptDocumentError; path: string } | undefined;

/** Opens (creating if needed) the store, registers this process and removes what dead writers left behind. */
export async function createFileSystemStore({
  dir,
  clock = systemClock,
  logger = silentLogger,
  shared,
}: FileSystemStoreOptions): Promise<SupplierDocumentStore> {
  const root = join(dir, 'supplier-documents');
  await mkdir(root, { recursive: true, mode: 0o700 });
  // A folder made by an earlier version was world-readable.
  await chmod(root, 0o700);
  await access(root, constants.W_OK);
  const storeId = await readOrCreateStoreId(root);
  const registry = await registerReplica(root, { shared: shared !== undefined });
  let locks: DocumentLocks;
  try {
    // The Redis client is loaded only when Redis is configured: single-replica runs start faster without it.
    locks = shared
      ? await (await import('./redis-document-locks.js')).createRedisLocks({ ...shared, storeId, logger })
      : createLocalLocks();
    await removeDeadWritersTempFiles(root, registry);
  } catch (error) {
    await registry.close();
    throw error;
  }
  const stagedFiles = new WeakMap<StagedContents, StagedFile>();

  const supplierDir = (supplierId: string) => join(root, hashName(supplierId));
  const documentKey = (supplierId: string, fileName: string) => `${hashName(supplierId)}:${hashName(fileName)}`;
  const documentPath = (supplierId: string, fileName: string) => join(supplierDir(supplierId), `${hashName(fileName)}${DOCUMENT_SUFFIX}`);

  async function openVersion(supplierId: string, fileName: string) {
    const path = documentPath(supplierId, fileName);
    const handle = await openIfExists(path);
    if (!handle) return undefined;
    try {
      const { document, contentsOffset } = await readDocumentPreamble(handle, path);
      if (document.supplierId !== supplierId || document.fileName !== fileName)
        throw new CorruptDocumentError(path, 'it describes another document');
      return { handle, document, contentsOffset };
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  async function current(supplierId: string, fileName: string): Promise<Current> {
    try {
      const opened = await openVersion(supplierId, fileName);
      if (!opened) return undefined;
      await opened.handle.close();
      return { document: opened.document };
    } catch (error) {
      if (!(error instanceof CorruptDocumentError)) throw error;
      return { damaged: error, path: documentPath(supplierId, fileName) };
    }
  }

  async function stage(supplierId: string): Promise<ContentsStage> {
    const directory = supplierDir(supplierId);
    await ensureDirectory(directory, root);
    const tempPath = join(directory, `.${registry.id}.${randomUUID()}${TEMP_SUFFIX}`);
    const handle = await open(tempPath, 'wx', 0o600);
    const hash = createHash('sha256');
    let size = 0;
    let discarded = false;
    try {
      await writeAll(handle, DOCUMENT_HEADER);
    } catch (error) {
      await removeTemp({ tempPath, directory, handle });
      throw error;
    }
    return {
      async write(bytes) {
        hash.update(bytes);
        size += bytes.byteLength;
        await writeAll(handle, bytes);
      },
      async finish() {
        const staged: StagedContents = { size, sha256: hash.digest('hex') };
        stagedFiles.set(staged, { tempPath, directory, handle });
        return staged;
      },
      async discard() {
        if (discarded) return;
        discarded = true;
        await removeTemp({ tempPath, directory, handle });
      },
    };
  }

  /** The input's contents as a staged file of this store, in the document's directory. */
  async function stagedFileOf(input: SupplierDocumentInput): Promise<{ staged: StagedContents; file: StagedFile }> {
    let staged: StagedContents;
    if (input.contents instanceof Uint8Array) {
      const stage_ = await stage(input.supplierId);
      try {
        await stage_.write(input.contents);
        staged = await stage_.finish();
      } catch (error) {
        await stage_.discard();
        throw error;
      }
    } else {
      staged = input.contents;
    }
    const file = stagedFiles.get(staged);
    if (!file) throw new Error('contents staged by another store, or already used');
    stagedFiles.delete(staged);
    if (file.directory !== supplierDir(input.supplierId)) {
      await removeTemp(file);
      throw new Error('contents staged for another supplier');
    }
    return { staged, file };
  }

  /** Appends the description and makes the version durable; it is then ready to be swapped in. */
  async function seal(file: StagedFile, document: StoredSupplierDocument): Promise<void> {
    await writeAll(file.handle, encodeDocumentTrailer(document));
    await file.handle.sync();
  }

  /** Takes the lock of a document and runs the write; the staged file is gone afterwards, whatever happened. */
  async function write<T>(
    input: SupplierDocumentInput,
    task: (staged: StagedContents, file: StagedFile, lease: DocumentLease) => Promise<T>,
  ): Promise<T> {
    const { staged, file } = await stagedFileOf(input);
    try {
      return await locks.run(documentKey(input.supplierId, input.fileName), (lease) => task(staged, file, lease));
    } finally {
      await removeTemp(file);
    }
  }

  const logDamaged = (damaged: CorruptDocumentError, action: string) =>
    logger.warn(`supplier document file damaged; ${action}`, { reason: damaged.message });

  return {
    stage,

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
        } catch (error) {
          if (!(error instanceof CorruptDocumentError)) throw error;
          logDamaged(error, 'left out of the listing (replace or delete it by name)');
          return undefined;
        } finally {
          await handle.close();
        }
      });
      return documents.filter((document): document is StoredSupplierDocument => document?.supplierId === supplierId).sort(byFileName);
    },

    async get(supplierId, fileName) {
      const opened = await openVersion(supplierId, fileName);
      if (!opened) return undefined;
      const { handle, document, contentsOffset } = opened;
      if (document.size === 0) {
        await handle.close();
        return { document, contents: new ReadableStream<Uint8Array>({ start: (controller) => controller.close() }) };
      }
      // The stream owns the handle: reading to the end or cancelling closes it. The description follows the contents.
      const stream = handle.createReadStream({ start: contentsOffset, end: contentsOffset + document.size - 1, autoClose: true });
      return { document, contents: Readable.toWeb(stream) as unknown as ReadableStream<Uint8Array> };
    },

    create(input) {
      return write(input, async (staged, file, lease) => {
        const finalPath = documentPath(input.supplierId, input.fileName);
        if (await current(input.supplierId, input.fileName)) return { status: 'exists' as const };
        const document = describeVersion(input, staged, clock, { fence: await lease.fenceAbove(0) });
        await seal(file, document);
        await lease.confirm();
        try {
          await link(file.tempPath, finalPath);
        } catch (error) {
          if (isCode(error, 'EEXIST')) return { status: 'exists' as const };
          throw error;
        }
        await syncDirectory(file.directory);
        return { status: 'created' as const, document };
      });
    },

    replace(input) {
      return write(input, async (staged, file, lease) => {
        const stored = await current(input.supplierId, input.fileName);
        if (!stored) return undefined;
        if ('damaged' in stored) logDamaged(stored.damaged, 'replacing it');
        const replaced = 'document' in stored ? stored.document : undefined;
        const fence = await lease.fenceAbove(replaced?.fence ?? 0);
        const document = describeVersion(input, staged, clock, { replaced, fence });
        await seal(file, document);
        await lease.confirm();
        // The last look before the swap: a version stored meanwhile under a later lock must not be overwritten.
        const latest = await current(input.supplierId, input.fileName);
        if (latest && 'document' in latest && (latest.document.fence ?? 0) >= fence) {
          throw new DocumentStoreBusyError('a newer version of this document was stored meanwhile; try again');
        }
        await rename(file.tempPath, documentPath(input.supplierId, input.fileName));
        await syncDirectory(file.directory);
        return document;
      });
    },

    delete(supplierId, fileName) {
      return locks.run(documentKey(supplierId, fileName), async (lease) => {
        const stored = await current(supplierId, fileName);
        if (!stored) return undefined;
        let deleted: StoredSupplierDocument;
        if ('document' in stored) {
          deleted = stored.document;
        } else {
          logDamaged(stored.damaged, 'deleting it');
          // What can be known without the description.
          const modified = (await stat(stored.path)).mtime.toISOString();
          deleted = { supplierId, fileName, metaData: [], size: 0, sha256: '', createdAt: modified, updatedAt: modified };
        }
        await lease.confirm();
        await unlink(documentPath(supplierId, fileName));
        await syncDirectory(supplierDir(supplierId));
        return deleted;
      });
    },

    async close() {
      await Promise.allSettled([locks.close(), registry.close()]);
    },
  };
}

function hashName(name: string): string {
  return createHash('sha256').update(name, 'utf8').digest('hex');
}

/** The data directory's id, made once by whichever process gets there first (write aside, then link: atomic). */
async function readOrCreateStoreId(root: string): Promise<string> {
  const path = join(root, STORE_ID_FILE);
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch (error) {
    if (!isCode(error, 'ENOENT')) throw error;
  }
  const aside = join(root, `.store-id.${randomUUID()}${TEMP_SUFFIX}`);
  const handle = await open(aside, 'wx', 0o600);
  try {
    await handle.writeFile(randomUUID());
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(aside, path);
  } catch (error) {
    if (!isCode(error, 'EEXIST')) throw error;
  } finally {
    await unlink(aside);
  }
  await syncDirectory(root);
  return (await readFile(path, 'utf8')).trim();
}

async function writeAll(handle: FileHandle, bytes: Uint8Array): Promise<void> {
  let written = 0;
  while (written < bytes.byteLength) {
    const { bytesWritten } = await handle.write(bytes, written, bytes.byteLength - written);
    written += bytesWritten;
  }
}

async function removeTemp({ tempPath, handle }: StagedFile): Promise<void> {
  await handle.close().catch(() => undefined);
  await unlink(tempPath).catch((error: unknown) => {
    // Already swapped in by rename.
    if (!isCode(error, 'ENOENT')) throw error;
  });
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
    await mkdir(directory, { mode: 0o700 });
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

/**
 * Removes temporary files whose writer is no longer alive: a crashed replica's, or this process's previous life's.
 * A live replica's upload in progress stays. Names without a writer come from an earlier version (one replica only).
 */
async function removeDeadWritersTempFiles(root: string, registry: ReplicaRegistry): Promise<void> {
  const removeIfLeftover = async (directory: string, name: string) => {
    if (!name.endsWith(TEMP_SUFFIX)) return;
    const writer = TEMP_NAME.exec(name)?.[1];
    if (writer !== undefined && (await registry.isLive(writer))) return;
    await unlink(join(directory, name)).catch(() => undefined);
  };
  const entries = await readdir(root, { withFileTypes: true });
  for (const entry of entries) {
    if (entry.isFile()) await removeIfLeftover(root, entry.name);
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    const directory = join(root, entry.name);
    await Promise.all((await readdir(directory)).map((name) => removeIfLeftover(directory, name)));
  }
}

function isCode(error: unknown, code: string): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === code;
}
