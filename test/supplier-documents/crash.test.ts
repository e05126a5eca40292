/**
 * Crash safety of the filesystem store: `serve` is killed with SIGKILL while replaces stream in; a fresh store over
 * the same directory must find every document whole, each at the last acknowledged version or the one that was in
 * flight, and no temporary file left. Once with a single replica, and once with three replicas sharing Redis and the
 * directory, the kill landing on one of them while writes go through all three.
 */
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { createFileSystemStore } from '../../src/adapter/supplier-documents/index.js';
import { missing, redisServer } from '../support/prerequisites.js';
import { RedisServer } from '../replicas/support/redis-server.js';
import { SERVE_HEADERS, startServe, type ServeProcess } from './serve-process.js';
import { readAll, sha256, uploadBody, versionContents, versionOf } from './support.js';

const SUPPLIER = 'CRASH-1';
const DOCUMENTS = Array.from({ length: 6 }, (_, index) => `doc-${index}.bin`);
/** Replaces acknowledged (across all documents) before the kill; the kill lands while the next ones are in flight. */
const ACKS_BEFORE_KILL = 36;

const cleanUps: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const cleanUp of cleanUps.reverse()) await cleanUp();
});

const upload = (name: string, version: number) =>
  uploadBody(name, versionContents(name, version), [{ key: 'version', value: String(version) }]);

async function tempFilesUnder(dir: string): Promise<string[]> {
  return (await readdir(join(dir, 'supplier-documents'), { recursive: true })).map(String).filter((name) => name.endsWith('.tmp'));
}

/** Writes through `replicas` (one writer per document, each replace to the next replica), kills `victim` mid-stream. */
async function crashWhileReplacing(dataDir: string, replicas: ServeProcess[], victim: ServeProcess): Promise<void> {
  const collection = (replica: ServeProcess) => `${replica.url}/suppliers/${SUPPLIER}/documents`;
  for (const name of DOCUMENTS) {
    const created = await fetch(collection(replicas[0]!), { method: 'POST', headers: SERVE_HEADERS, body: upload(name, 0) });
    expect(created.status).toBe(201);
  }

  const acknowledged = DOCUMENTS.map(() => 0);
  let totalAcks = 0;
  let killed = false;
  // One writer per document, each replacing its document with version 1, 2, 3 … back to back, round the replicas.
  const writers = DOCUMENTS.map(async (name, index) => {
    for (let version = 1; !killed; version++) {
      const replica = replicas[(index + version) % replicas.length]!;
      let response: Response;
      try {
        response = await fetch(collection(replica), { method: 'PUT', headers: SERVE_HEADERS, body: upload(name, version) });
        await response.arrayBuffer();
      } catch (error) {
        if (killed) return;
        throw error;
      }
      expect(response.status).toBe(200);
      acknowledged[index] = version;
      totalAcks++;
    }
  });

  await vi.waitFor(() => expect(totalAcks).toBeGreaterThanOrEqual(ACKS_BEFORE_KILL), { timeout: 30_000, interval: 5 });
  killed = true;
  victim.child.kill('SIGKILL');
  await victim.exited;
  await Promise.all(writers);
  expect(victim.child.signalCode).toBe('SIGKILL');
  // The survivors have answered every write sent to them; only the victim's in-flight writes were cut.
  await Promise.all(replicas.filter((replica) => replica !== victim).map((replica) => replica.stop()));

  // A stray temporary file as a crash mid-write leaves one (the kill may or may not have caught a write).
  const supplierDir = (await readdir(join(dataDir, 'supplier-documents'))).find((name) => !name.startsWith('.'))!;
  await writeFile(join(dataDir, 'supplier-documents', supplierDir, '.crashed-mid-write.tmp'), 'JKDOC1 4096\n{"fileName":');

  const store = await createFileSystemStore({ dir: dataDir });
  cleanUps.push(() => store.close());
  expect(await tempFilesUnder(dataDir)).toEqual([]);
  const listed = await store.list(SUPPLIER);
  expect(listed.map((document) => document.fileName)).toEqual(DOCUMENTS);
  for (const [index, name] of DOCUMENTS.entries()) {
    const opened = (await store.get(SUPPLIER, name))!;
    const bytes = await readAll(opened.contents);
    const version = versionOf(opened.document.metaData);
    // The last acknowledged version, or the one in flight when the kill came (written, answer lost).
    expect([acknowledged[index], acknowledged[index]! + 1]).toContain(version);
    expect(opened.document.size).toBe(bytes.length);
    expect(opened.document.sha256).toBe(sha256(bytes));
    expect(bytes.equals(versionContents(name, version)), `${name} holds exactly version ${version}`).toBe(true);
    expect(listed[index]).toEqual(opened.document);
  }
}

async function newDataDir(): Promise<string> {
  const dataDir = await mkdtemp(join(tmpdir(), 'jk-supplier-crash-'));
  cleanUps.push(() => rm(dataDir, { recursive: true, force: true }));
  return dataDir;
}

function started(replica: ServeProcess): ServeProcess {
  cleanUps.push(async () => {
    if (replica.child.exitCode === null && replica.child.signalCode === null) replica.child.kill('SIGKILL');
  });
  return replica;
}

it('a SIGKILL in the middle of a stream of replaces leaves every document whole (one replica)', { timeout: 60_000 }, async () => {
  const dataDir = await newDataDir();
  const replica = started(await startServe(dataDir));
  await crashWhileReplacing(dataDir, [replica], replica);
});

describe.skipIf(missing(redisServer))('three replicas sharing Redis and the data dir', () => {
  it(
    'a SIGKILL of one replica of three in the middle of a stream of replaces leaves every document whole',
    { timeout: 90_000 },
    async () => {
      const redis = await RedisServer.start();
      cleanUps.push(() => redis.dispose());
      const dataDir = await newDataDir();
      const replicas = await Promise.all([0, 1, 2].map(async () => started(await startServe(dataDir, ['--state-url', redis.url]))));
      await crashWhileReplacing(dataDir, replicas, replicas[1]!);
    },
  );
});
