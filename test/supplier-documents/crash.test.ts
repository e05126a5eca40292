/**
 * Crash safety of the filesystem store: a server process is killed with SIGKILL while replaces stream in;
 * a fresh store over the same directory must find every document whole, each at the last acknowledged version
 * or the one that was in flight, and no temporary file left.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { createFileSystemStore } from '../../src/adapter/supplier-documents/index.js';
import { KEY_HEADERS, readAll, sha256, uploadBody, versionContents, versionOf } from './support.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SERVER_SCRIPT = fileURLToPath(new URL('./serve-fs-store.ts', import.meta.url));
const SUPPLIER = 'CRASH-1';
const DOCUMENTS = Array.from({ length: 6 }, (_, index) => `doc-${index}.bin`);
/** Replaces acknowledged (across all documents) before the kill; the kill lands while the next ones are in flight. */
const ACKS_BEFORE_KILL = 36;

let child: ChildProcess | undefined;
let dataDir: string | undefined;
afterAll(async () => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

/** Starts the server script and resolves with the URL it prints. */
function startServer(dir: string): Promise<{ url: string; exited: Promise<void> }> {
  const server = spawn(process.execPath, ['--import', 'tsx', SERVER_SCRIPT, dir], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  child = server;
  const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
  let stdout = '';
  let stderr = '';
  server.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in time; stderr: ${stderr}`)), 15_000);
    server.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const line = stdout.split('\n')[0]!;
      if (stdout.includes('\n')) {
        clearTimeout(timer);
        if (!line.startsWith('http://127.0.0.1:')) reject(new Error(`unexpected first line ${line}`));
        else resolve({ url: line.trim(), exited });
      }
    });
    void exited.then(() => reject(new Error(`server exited before printing its URL; stderr: ${stderr}`)));
  });
}

const upload = (name: string, version: number) => uploadBody(name, versionContents(name, version), [{ key: 'version', value: String(version) }]);

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function tempFilesUnder(dir: string): Promise<string[]> {
  return (await readdir(join(dir, 'supplier-documents'), { recursive: true })).map(String).filter((name) => name.endsWith('.tmp'));
}

it('a SIGKILL in the middle of a stream of replaces leaves every document whole', { timeout: 60_000 }, async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'jk-supplier-crash-'));
  const { url, exited } = await startServer(dataDir);
  const collection = `${url}/suppliers/${SUPPLIER}/documents`;
  for (const name of DOCUMENTS) {
    const created = await fetch(collection, { method: 'POST', headers: KEY_HEADERS, body: upload(name, 0) });
    expect(created.status).toBe(201);
  }

  const acknowledged = DOCUMENTS.map(() => 0);
  let totalAcks = 0;
  let killed = false;
  // One writer per document, each replacing its document with version 1, 2, 3 … back to back.
  const writers = DOCUMENTS.map(async (name, index) => {
    for (let version = 1; !killed; version++) {
      let response: Response;
      try {
        response = await fetch(collection, { method: 'PUT', headers: KEY_HEADERS, body: upload(name, version) });
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

  await waitFor(() => totalAcks >= ACKS_BEFORE_KILL, 30_000);
  killed = true;
  child!.kill('SIGKILL');
  await exited;
  await Promise.all(writers);
  expect(child!.signalCode).toBe('SIGKILL');

  // A stray temporary file as a crash mid-write leaves one (the kill may or may not have caught a write).
  const supplierDir = (await readdir(join(dataDir, 'supplier-documents')))[0]!;
  await writeFile(join(dataDir, 'supplier-documents', supplierDir, '.crashed-mid-write.tmp'), 'JKDOC1 4096\n{"fileName":');

  const store = await createFileSystemStore({ dir: dataDir });
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
});
