/**
 * The filesystem store: safe on-disk names, persistence, temp-file cleanup, damage detection, readers isolated
 * from replaces, and concurrent writers to one document (through the routes, as Jakamo would send them).
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/shared/clock.js';
import { createFileSystemStore, createSupplierDocumentRoutes, type SupplierDocumentStore } from '../../src/adapter/supplier-documents/index.js';
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

/** Every file under the store's folder, relative to it. */
async function filesUnder(dir: string): Promise<string[]> {
  return (await readdir(join(dir, 'supplier-documents'), { recursive: true })).map(String).sort();
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

  it('writes one file per document: the description (with size and SHA-256) followed by exactly the contents', async () => {
    await store.create(input('a.bin', Buffer.from([0, 1, 2, 255])));
    const bytes = await readFile(join(dir, 'supplier-documents', hashed('S1'), `${hashed('a.bin')}.doc`));
    const firstLine = bytes.subarray(0, bytes.indexOf(0x0a)).toString();
    expect(firstLine).toMatch(/^JKDOC1 \d+$/);
    expect(bytes.subarray(-4)).toEqual(Buffer.from([0, 1, 2, 255]));
    const description = JSON.parse(bytes.subarray(firstLine.length + 1, bytes.length - 5).toString());
    expect(description).toMatchObject({ fileName: 'a.bin', size: 4, sha256: sha256(Buffer.from([0, 1, 2, 255])) });
  });

  it('removes temporary files left by a crash when opened, and never lists them', async () => {
    await store.create(input('a.txt', 'alpha'));
    const supplierDir = join(dir, 'supplier-documents', hashed('S1'));
    await writeFile(join(supplierDir, '.0b7c1a3e-dead-beef.tmp'), 'JKDOC1 999\n{"half":');
    expect((await store.list('S1')).map((d) => d.fileName)).toEqual(['a.txt']);
    await createFileSystemStore({ dir });
    expect(await readdir(supplierDir)).toEqual([`${hashed('a.txt')}.doc`]);
  });

  it('reports a damaged or truncated document file instead of serving it', async () => {
    await store.create(input('a.txt', 'alpha'));
    await store.create(input('b.txt', 'bravo'));
    const supplierDir = join(dir, 'supplier-documents', hashed('S1'));
    await truncate(join(supplierDir, `${hashed('a.txt')}.doc`), 40);
    await writeFile(join(supplierDir, `${hashed('b.txt')}.doc`), 'not a document');
    await expect(store.get('S1', 'a.txt')).rejects.toBeInstanceOf(CorruptDocumentError);
    await expect(store.get('S1', 'b.txt')).rejects.toThrow(/damaged: no JKDOC1 header line/);
    await expect(store.list('S1')).rejects.toBeInstanceOf(CorruptDocumentError);
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
    expect(await filesUnder(dir)).toEqual([]);
  });
});

describe('concurrent writes to one document (filesystem store, through the routes)', () => {
  async function newApp() {
    const dir = await newDataDir();
    const store = await createFileSystemStore({ dir });
    return { dir, store, app: createSupplierDocumentRoutes({ store, authorize: requireTestKey, publicBaseUrl: PUBLIC_BASE_URL }) };
  }
  const send = (app: Awaited<ReturnType<typeof newApp>>['app'], method: string, version: number) =>
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

  it('writes to one document take effect one at a time in call order: replace, delete, replace, create', async () => {
    const { store } = await newApp();
    const version = (n: number) => input('shared.bin', versionContents('shared.bin', n), [{ key: 'version', value: String(n) }]);
    await store.create(version(0));
    // Issued together, without awaiting in between: each sees the effect of the one before it.
    const [replaced, deleted, replacedAfterDelete, created] = await Promise.all([
      store.replace(version(1)),
      store.delete('S1', 'shared.bin'),
      store.replace(version(2)),
      store.create(version(3)),
    ]);
    expect(replaced && versionOf(replaced.metaData)).toBe(1);
    expect(deleted && versionOf(deleted.metaData)).toBe(1);
    expect(replacedAfterDelete).toBeUndefined();
    expect(created.status).toBe('created');
    expect(await expectOneWholeVersion(store, [3])).toBe(3);
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
    const results = await Promise.allSettled([mutex.run('a', task('a1', 20)), mutex.run('a', task('a2', 5)), mutex.run('a', task('a3', 1)), mutex.run('b', task('b1', 1))]);
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
