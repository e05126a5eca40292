/**
 * `jakamo-kit serve` itself (the built CLI, in a child process, on 127.0.0.1) with v2 supplier documents in
 * --data-dir: the full cycle with the key, 401 without it, documents that outlive a restart, and a data
 * directory that cannot be used refused on one line with exit code 2. OpenBOM is never contacted by v2 requests.
 */
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseContentDisposition } from 'content-disposition';
import { spawnCli } from '../support/cli.js';
import { expectValidResponse, loadSpec } from '../support/openapi.js';

const spec = loadSpec('spec/jakamo-file-callback.yaml');
const KEY = 'v2-serve-key-4f1c9a7e';
const ENV = {
  JAKAMO_API_KEYS: KEY,
  OPENBOM_APP_KEY: 'unused-app-key',
  OPENBOM_USERNAME: 'unused@example.com',
  OPENBOM_PASSWORD: 'unused-password',
};
const work = mkdtempSync(join(tmpdir(), 'jk-v2-serve-'));
const children = new Set<ChildProcessWithoutNullStreams>();

afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
});

/** The built CLI (test/support/cli.ts) with the test's secrets, tracked so that afterAll stops what is left. */
function spawnServe(args: string[]): ChildProcessWithoutNullStreams {
  const { JAKAMO_DATA_DIR: _unused, JAKAMO_KIT_STATE_URL: _state, ...parentEnv } = process.env;
  const child = spawnCli(args, { env: { ...parentEnv, ...ENV } }) as ChildProcessWithoutNullStreams;
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}

/** Starts `serve` on a free port and resolves once its start-up line gives the URL. */
function startServe(dataDir: string): Promise<{ url: string; pid: number; stop: () => Promise<number | null> }> {
  // Nothing listens on port 9 of 127.0.0.1: a v1 request would fail fast, and v2 requests never go there.
  const child = spawnServe(['serve', '--port', '0', '--data-dir', dataDir, '--openbom-url', 'http://127.0.0.1:9']);
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  return new Promise((started, failed) => {
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      const entry = JSON.parse(line) as { msg: string; url?: string };
      if (entry.msg !== 'jakamo-kit serve listening' || !entry.url) return;
      const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
      started({ url: entry.url, pid: child.pid!, stop: () => (child.kill('SIGTERM'), exited) });
    });
    child.once('exit', (code) => failed(new Error(`serve exited with ${code} before listening: ${stderr}`)));
  });
}

async function call(url: string, method: string, { key = KEY, body = undefined }: { key?: string | null; body?: unknown } = {}) {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (key !== null) headers['X-API-KEY'] = key;
  const response = await fetch(url, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const { pathname } = new URL(url);
  await expectValidResponse(spec, method, pathname, response.clone());
  return response;
}

const upload = (fileName: string, contents: Uint8Array, metaData: Array<{ key: string; value: string }> = []) => ({
  fileName,
  base64EncodedContents: Buffer.from(contents).toString('base64'),
  metaData,
});

describe('jakamo-kit serve with v2 supplier documents', { timeout: 60_000 }, () => {
  it('runs the full cycle with the key, answers 401 without it, and keeps documents across a restart', async () => {
    const dataDir = join(work, 'data');
    const name = 'Drawing "A" – rev 2.pdf';
    const first = randomBytes(200_000);
    const second = randomBytes(150_000);
    let serve = await startServe(dataDir);
    const collection = `${serve.url}/suppliers/54454543/documents`;
    try {
      for (const [method, url] of [
        ['GET', collection],
        ['POST', collection],
        ['PUT', collection],
        ['GET', `${collection}/x.txt`],
        ['DELETE', `${collection}/x.txt`],
      ] as const) {
        const refused = await call(url, method, {
          key: null,
          ...(method === 'POST' || method === 'PUT' ? { body: upload('x.txt', first) } : {}),
        });
        expect(refused.status, `${method} ${url}`).toBe(401);
        expect(await refused.json()).toEqual({
          message: 'Unauthorized',
          errors: [{ message: 'Missing or invalid API key in the X-API-KEY header.' }],
        });
      }

      const created = await call(collection, 'POST', { body: upload(name, first, [{ key: 'validTo', value: '2024-05-05' }]) });
      expect(created.status).toBe(201);
      const { link } = (await created.json()) as { link: string };
      expect(link).toBe(`${collection}/${encodeURIComponent(name)}`);

      const listed = (await (await call(collection, 'GET')).json()) as {
        data: Array<{ fileName: string; size: number; metaData: unknown }>;
      };
      expect(listed.data).toEqual([
        expect.objectContaining({ fileName: name, size: first.length, metaData: [{ key: 'validTo', value: '2024-05-05' }], link }),
      ]);

      const download = await call(link, 'GET');
      expect(download.headers.get('content-type')).toBe('application/pdf');
      expect(download.headers.get('content-length')).toBe(String(first.length));
      expect(parseContentDisposition(download.headers.get('content-disposition')!).parameters.filename).toBe(name);
      expect(Buffer.from(await download.arrayBuffer()).equals(first)).toBe(true);

      expect((await call(collection, 'POST', { body: upload(name, second) })).status).toBe(400);
      expect((await call(collection, 'PUT', { body: upload(name, second) })).status).toBe(200);
      expect(Buffer.from(await (await call(link, 'GET')).arrayBuffer()).equals(second)).toBe(true);

      // Documents live in --data-dir: a new process on the same directory serves them.
      expect(await serve.stop()).toBe(0);
      serve = await startServe(dataDir);
      const afterRestart = `${serve.url}/suppliers/54454543/documents`;
      expect(Buffer.from(await (await call(`${afterRestart}/${encodeURIComponent(name)}`, 'GET')).arrayBuffer()).equals(second)).toBe(true);

      expect((await call(`${afterRestart}/${encodeURIComponent(name)}`, 'DELETE')).status).toBe(200);
      expect(await (await call(afterRestart, 'GET')).json()).toEqual({ data: [] });
      expect((await call(`${afterRestart}/${encodeURIComponent(name)}`, 'GET')).status).toBe(404);
    } finally {
      await serve.stop();
    }
  });

  it('refuses a second serve on the same --data-dir without --state-url redis://… with one line and exit code 2', async () => {
    const dataDir = join(work, 'exclusive');
    const first = await startServe(dataDir);
    try {
      const second = spawnServe(['serve', '--port', '0', '--data-dir', dataDir, '--openbom-url', 'http://127.0.0.1:9']);
      let stderr = '';
      second.stderr.on('data', (chunk) => (stderr += chunk));
      const code = await new Promise<number | null>((done) => second.on('exit', done));
      expect(code).toBe(2);
      expect(stderr).toMatch(
        new RegExp(
          `^jakamo-kit: --data-dir is in use by another jakamo-kit serve \\(pid ${first.pid} on .+, started .+\\); run one replica per data dir, or share it between replicas with --state-url redis://… \\(.+\\)\\n$`,
        ),
      );
    } finally {
      expect(await first.stop()).toBe(0);
    }
    // Stopped cleanly, the first one left the directory free.
    const again = await startServe(dataDir);
    expect(await again.stop()).toBe(0);
  });

  it('refuses a --data-dir it cannot use with one line and exit code 2', async () => {
    const notADirectory = join(work, 'a-file');
    writeFileSync(notADirectory, 'not a directory');
    const child = spawnServe(['serve', '--port', '0', '--data-dir', notADirectory]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const code = await new Promise<number | null>((done) => child.on('exit', done));
    expect(code).toBe(2);
    expect(stderr).toBe(`jakamo-kit: --data-dir: cannot store documents in ${notADirectory} (ENOTDIR)\n`);
    expect(stdout).toBe('');
  });
});
