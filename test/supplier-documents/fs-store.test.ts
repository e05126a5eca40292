/**
 * The filesystem store: safe on-disk names, persistence, temp-file cleanup, damage detection, readers isolated
 * from replaces, and concurrent writers to one document (through the routes, as Jakamo would send them).
 */
import { createHash, randomUUID } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/shared/clock.js';
import { createMemoryLogger } from '../../src/shared/logger.js';
import {
  createFileSystemStore,
  createSupplierDocumentRoutes,
  DataDirInUseError,
  type SupplierDocumentStore,
} from '../../src/adapter/supplier-documents/index.js';
import { CorruptDocumentError } from '../../src/adapter/supplier-documents/document-file.js';
import { KeyedMutex } from '../../src/adapter/supplier-documents/keyed-mutex.js';
import { KEY_HEADERS, PUBLIC_BASE_URL, readAll, requireTestKey, sha256, uploadBody, versionContents, versionOf } from './support.js';

const tempDirs: string[] = [];
afterAll(async () => {
  await Promise.all(tempDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function newDataDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'jk-supplier-fs-'));
  tempDirs.push(dir);
  return dir;
}

const hashed = (name: string) => createHash('sha256').update(name).digest('hex');
const input = (fileName: string, contents: string | Buffer, metaData = [{ key: 'k', value: 'v' }]) => ({
  supplierId: 'S1',
  fileName,
  metaData,
  contents: Buffer.from(contents),
});

/** Every file under the store's folder, relative to it, but the store's own bookkeeping (its id, its replicas). */
async function filesUnder(dir: string): Promise<string[]> {
  const names = (await readdir(join(dir, 'supplier-documents'), { recursive: true })).map(String);
  return names.filter((name) => name !== '.store-id' && !name.startsWith('.replicas')).sort();
}

describe('filesystem store', () => {
  let dir: string;
  let clock: ManualClock;
  let store: SupplierDocumentStore;

  beforeEach(async () => {
    dir = await newDataDir();
    clock = new ManualClock(Date.UTC(2026, 0, 2));
    store = await createFileSystemStore({ dir, clock });
  });

  it('keeps documents across a reopen, with their description and contents', async () => {
    await store.create(input('a.txt', 'alpha', [{ key: 'validTo', value: '2024-05-05' }]));
    clock.advance(1000);
    await store.replace(input('a.txt', 'alpha 2', []));
    const reopened = await createFileSystemStore({ dir, clock });
    expect(await reopened.list('S1')).toEqual([
      {
        supplierId: 'S1',
        fileName: 'a.txt',
        metaData: [],
        size: 7,
        sha256: sha256(Buffer.from('alpha 2')),
        createdAt: '2026-01-02T00:00:00.000Z',
        updatedAt: '2026-01-02T00:00:01.000Z',
        // The fencing token of each version of a document grows.
        fence: 2,
      },
    ]);
    expect((await readAll((await reopened.get('S1', 'a.txt'))!.contents)).toString()).toBe('alpha 2');
  });

  it('names nothing on disk after user input: supplier and file names become hashes', async () => {
    const hostile = ['..', 'CON', 'a'.repeat(200), 'Ünïcödé name.pdf', 'UPPER.TXT', 'upper.txt'];
    for (const name of hostile) expect((await store.create(input(name, name))).status).toBe('created');
    const files = await filesUnder(dir);
    expect(files).toEqual([hashed('S1'), ...hostile.map((name) => join(hashed('S1'), `${hashed(name)}.doc`))].sort());
    expect((await store.list('S1')).map((d) => d.fileName)).toEqual([...hostile].sort());
  });

  it('writes one file per document: exactly the contents, then the description (with size and SHA-256)', async () => {
    await store.create(input('a.bin', Buffer.from([0, 1, 2, 255])));
    const bytes = await readFile(join(dir, 'supplier-documents', hashed('S1'), `${hashed('a.bin')}.doc`));
    expect(bytes.subarray(0, 7).toString()).toBe('JKDOC2\n');
    expect(bytes.subarray(7, 11)).toEqual(Buffer.from([0, 1, 2, 255]));
    const lastLine = bytes.subarray(-18).toString();
    expect(lastLine).toMatch(/^JKDOC2 \d{10}\n$/);
    const description = JSON.parse(bytes.subarray(11, bytes.length - 19).toString());
    expect(description).toMatchObject({ fileName: 'a.bin', size: 4, sha256: sha256(Buffer.from([0, 1, 2, 255])) });
    expect(Number(lastLine.slice(7, 17))).toBe(bytes.length - 19 - 11);
  });

  it('still reads a document written in the first form (description first), and replaces it in the new one', async () => {
    const supplierDir = join(dir, 'supplier-documents', hashed('S1'));
    await mkdir(supplierDir, { recursive: true });
    const contents = Buffer.from('written by 0.1');
    const description = JSON.stringify({
      supplierId: 'S1',
      fileName: 'old.txt',
      metaData: [],
      size: contents.length,
      sha256: sha256(contents),
      createdAt: '2025-01-01T00:00:00.000Z',
      updatedAt: '2025-01-01T00:00:00.000Z',
    });
    await writeFile(
      join(supplierDir, `${hashed('old.txt')}.doc`),
      Buffer.concat([Buffer.from(`JKDOC1 ${Buffer.byteLength(description)}\n${description}\n`), contents]),
    );
    expect((await readAll((await store.get('S1', 'old.txt'))!.contents)).toString()).toBe('written by 0.1');
    const replaced = await store.replace(input('old.txt', 'new form'));
    expect(replaced).toMatchObject({ createdAt: '2025-01-01T00:00:00.000Z', fence: 1 });
    expect((await readFile(join(supplierDir, `${hashed('old.txt')}.doc`))).subarray(0, 7).toString()).toBe('JKDOC2\n');
  });

  it('writes documents 0600 in folders 0700, and tightens a store folder an earlier version left 0755', async () => {
    await chmod(join(dir, 'supplier-documents'), 0o755);
    const reopened = await createFileSystemStore({ dir, clock });
    await reopened.create(input('a.txt', 'alpha'));
    const mode = async (path: string) => (await stat(join(dir, 'supplier-documents', path))).mode & 0o777;
    expect(await mode('.')).toBe(0o700);
    expect(await mode(hashed('S1'))).toBe(0o700);
    expect(await mode(join(hashed('S1'), `${hashed('a.txt')}.doc`))).toBe(0o600);
    await reopened.close();
  });

  it("removes temporary files of dead writers when opened (and an earlier version's), and never lists them", async () => {
    await store.create(input('a.txt', 'alpha'));
    const supplierDir = join(dir, 'supplier-documents', hashed('S1'));
    const replicas = join(dir, 'supplier-documents', '.replicas');
    const dead = '00000000-0000-4000-8000-000000000001';
    await writeFile(join(supplierDir, '.0b7c1a3e-dead-beef.tmp'), 'JKDOC1 999\n{"half":');
    // A replica on this host whose process is gone (pids never reach 2^22 + 1 on Linux).
    await writeFile(
      join(replicas, `${dead}.json`),
      JSON.stringify({ pid: 2 ** 22 + 1, host: hostname(), startedAt: '2026-01-01T00:00:00Z', shared: true }),
    );
    await writeFile(join(supplierDir, `.${dead}.${randomUUID()}.tmp`), 'JKDOC2\nhalf');
    expect((await store.list('S1')).map((d) => d.fileName)).toEqual(['a.txt']);
    await store.close();
    const reopened = await createFileSystemStore({ dir });
    expect(await readdir(supplierDir)).toEqual([`${hashed('a.txt')}.doc`]);
    expect(await readdir(replicas)).toHaveLength(1);
    await reopened.close();
    expect(await readdir(replicas)).toEqual([]);
  });

  it('refuses a second process on the data directory without a shared lock service, naming the one that has it', async () => {
    const replicas = join(dir, 'supplier-documents', '.replicas');
    await writeFile(
      join(replicas, `${randomUUID()}.json`),
      JSON.stringify({ pid: 1, host: 'another-host', startedAt: '2026-01-01T00:00:00Z', shared: false }),
    );
    const refused = await createFileSystemStore({ dir }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(DataDirInUseError);
    expect(String((refused as Error).message)).toMatch(
      /in use by another jakamo-kit serve \(pid 1 on another-host, started 2026-01-01T00:00:00Z\).*--state-url/,
    );
  });

  it('leaves a damaged or truncated document out of the listing (logged), refuses to serve it, and still replaces or deletes it', async () => {
    const logger = createMemoryLogger();
    await store.close();
    store = await createFileSystemStore({ dir, clock, logger });
    for (const name of ['a.txt', 'b.txt', 'c.txt']) await store.create(input(name, name));
    const supplierDir = join(dir, 'supplier-documents', hashed('S1'));
    await truncate(join(supplierDir, `${hashed('a.txt')}.doc`), 20);
    await writeFile(join(supplierDir, `${hashed('b.txt')}.doc`), 'not a document');
    expect((await store.list('S1')).map((d) => d.fileName)).toEqual(['c.txt']);
    expect(logger.lines.filter((line) => line.includes('damaged'))).toHaveLength(2);
    await expect(store.get('S1', 'a.txt')).rejects.toBeInstanceOf(CorruptDocumentError);
    await expect(store.get('S1', 'b.txt')).rejects.toThrow(/damaged: no JKDOC1 or JKDOC2 header line/);
    expect((await store.create(input('a.txt', 'again'))).status).toBe('exists');
    expect(await store.replace(input('a.txt', 'alpha again'))).toMatchObject({ fileName: 'a.txt', size: 11 });
    expect((await readAll((await store.get('S1', 'a.txt'))!.contents)).toString()).toBe('alpha again');
    expect(await store.delete('S1', 'b.txt')).toMatchObject({ fileName: 'b.txt', metaData: [], size: 0 });
    expect((await store.list('S1')).map((d) => d.fileName)).toEqual(['a.txt', 'c.txt']);
    expect(await store.get('S1', 'b.txt')).toBeUndefined();
  });

  it('refuses a document file that describes another document', async () => {
    await store.create(input('a.txt', 'alpha'));
    const supplierDir = join(dir, 'supplier-documents', hashed('S1'));
    const aFile = join(supplierDir, `${hashed('a.txt')}.doc`);
    await writeFile(join(supplierDir, `${hashed('b.txt')}.doc`), await readFile(aFile));
    await expect(store.get('S1', 'b.txt')).rejects.toThrow(/describes another document/);
  });

  it('lets a reader finish the version it opened while a replace and a delete land', async () => {
    const before = versionContents('a.bin', 1);
    const after = versionContents('a.bin', 2);
    await store.create(input('a.bin', before));
    const opened = (await store.get('S1', 'a.bin'))!;
    await store.replace(input('a.bin', after));
    const fresh = (await store.get('S1', 'a.bin'))!;
    await store.delete('S1', 'a.bin');
    expect(opened.document.sha256).toBe(sha256(before));
    expect(await readAll(opened.contents)).toEqual(before);
    expect(fresh.document.sha256).toBe(sha256(after));
    expect(await readAll(fresh.contents)).toEqual(after);
    expect(await store.get('S1', 'a.bin')).toBeUndefined();
  });

  it('answers unknown documents and suppliers with undefined and []', async () => {
    expect(await store.list('nobody')).toEqual([]);
    expect(await store.get('nobody', 'a.txt')).toBeUndefined();
    expect(await store.replace({ ...input('a.txt', 'x'), supplierId: 'nobody' })).toBeUndefined();
    expect(await store.delete('nobody', 'a.txt')).toBeUndefined();
    // The replace's contents were staged in the supplier's folder, and removed: the folder alone remains.
    expect(await filesUnder(dir)).toEqual([hashed('nobody')]);
  });
});

describe('concurrent writes to one document (filesystem store, through the routes)', () => {
  async function newApp() {
    const dir = await newDataDir();
    const store = await createFileSystemStore({ dir });
    return {
      dir,
      store,
      app: createSupplierDocumentRoutes({ store, authorize: requireTestKey, publicBaseUrl: PUBLIC_BASE_URL, maxConcurrentUploads: 32 }),
    };
  }
  const send = async (app: Awaited<ReturnType<typeof newApp>>['app'], method: string, version: number) =>
    app.request('/suppliers/S1/documents', {
      method,
      headers: KEY_HEADERS,
      body: uploadBody('shared.bin', versionContents('shared.bin', version), [{ key: 'version', value: String(version) }]),
    });

  /** The stored document must be one whole version: description, metaData and bytes all of the same one. */
  async function expectOneWholeVersion(store: SupplierDocumentStore, versions: number[]) {
    const opened = (await store.get('S1', 'shared.bin'))!;
    const bytes = await readAll(opened.contents);
    const version = versionOf(opened.document.metaData);
    expect(versions).toContain(version);
    expect(bytes.equals(versionContents('shared.bin', version))).toBe(true);
    expect(opened.document).toMatchObject({ size: bytes.length, sha256: sha256(bytes) });
    return version;
  }

  it('many parallel PUTs all succeed and leave exactly one whole version, with no temporary file behind', async () => {
    const { dir, store, app } = await newApp();
    expect((await send(app, 'POST', 0)).status).toBe(201);
    const versions = Array.from({ length: 24 }, (_, index) => index + 1);
    const responses = await Promise.all(versions.map((version) => send(app, 'PUT', version)));
    for (const [index, response] of responses.entries()) {
      expect(response.status).toBe(200);
      // Each answer describes its own upload.
      expect(await response.json()).toMatchObject({ size: versionContents('shared.bin', versions[index]!).length });
    }
    await expectOneWholeVersion(store, versions);
    expect((await store.list('S1')).length).toBe(1);
    expect(await filesUnder(dir)).toEqual([hashed('S1'), join(hashed('S1'), `${hashed('shared.bin')}.doc`)]);
  });

  it('parallel POSTs of one name: exactly one 201, the rest 400 saying to use PUT, and the winner is stored', async () => {
    const { store, app } = await newApp();
    const versions = Array.from({ length: 16 }, (_, index) => index + 1);
    const responses = await Promise.all(versions.map((version) => send(app, 'POST', version)));
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 201)).toHaveLength(1);
    expect(statuses.filter((status) => status === 400)).toHaveLength(versions.length - 1);
    const winner = versions[statuses.indexOf(201)]!;
    for (const response of responses.filter((r) => r.status === 400)) expect((await response.json()).message).toMatch(/use PUT/);
    expect(await expectOneWholeVersion(store, versions)).toBe(winner);
  });
});

describe('KeyedMutex', () => {
  it('runs tasks of one key one at a time in call order, other keys alongside, and forgets idle keys', async () => {
    const mutex = new KeyedMutex();
    const events: string[] = [];
    const task = (name: string, ms: number) => async () => {
      events.push(`start ${name}`);
      await new Promise((resolve) => setTimeout(resolve, ms));
      events.push(`end ${name}`);
      if (name === 'a2') throw new Error('a2 failed');
      return name;
    };
    const results = await Promise.allSettled([
      mutex.run('a', task('a1', 20)),
      mutex.run('a', task('a2', 5)),
      mutex.run('a', task('a3', 1)),
      mutex.run('b', task('b1', 1)),
    ]);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect(events.filter((event) => event.endsWith('a1') || event.endsWith('a2') || event.endsWith('a3'))).toEqual([
      'start a1',
      'end a1',
      'start a2',
      'end a2',
      'start a3',
      'end a3',
    ]);
    // b1 did not wait for the a-queue.
    expect(events.indexOf('end b1')).toBeLessThan(events.indexOf('end a1'));
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(mutex.busyKeys).toBe(0);
  });
});
