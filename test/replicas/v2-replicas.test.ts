/**
 * Issue 20's proof: three `serve` replicas (the built CLI, each its own process) share one redis-server and one
 * --data-dir. A document written through any replica is listed and downloaded through every other at once; 30
 * concurrent PUTs of one name across replicas leave every replica serving the same bytes, those of one of the writes;
 * 20 racing POSTs of a new name give exactly one 201; a DELETE through one is seen by all; a replica restarting while
 * another uploads leaves that upload alone; no temporary file is left behind.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { missing } from '../support/prerequisites.js';
import { sha256, uploadBody, versionContents, versionOf } from '../supplier-documents/support.js';
import { SERVE_HEADERS, startServe, type ServeProcess } from '../supplier-documents/serve-process.js';
import { RedisServer, redisServer } from './support/redis-server.js';

const SUPPLIER = '54454543';

async function tempFilesUnder(dir: string): Promise<string[]> {
  return (await readdir(join(dir, 'supplier-documents'), { recursive: true })).map(String).filter((name) => name.endsWith('.tmp'));
}

describe.skipIf(missing(redisServer))(
  'v2 supplier documents on three replicas sharing Redis and one data dir',
  { timeout: 120_000 },
  () => {
    let redis: RedisServer;
    let dataDir: string;
    const replicas: ServeProcess[] = [];
    const collection = (replica: ServeProcess) => `${replica.url}/suppliers/${SUPPLIER}/documents`;
    const documentUrl = (replica: ServeProcess, name: string) => `${collection(replica)}/${encodeURIComponent(name)}`;
    const startReplica = () => startServe(dataDir, ['--state-url', redis.url]);

    async function upload(replica: ServeProcess, method: 'POST' | 'PUT', name: string, version: number): Promise<Response> {
      return fetch(collection(replica), {
        method,
        headers: SERVE_HEADERS,
        body: uploadBody(name, versionContents(name, version, { minBytes: 4096, spreadBytes: 64 * 1024 }), [
          { key: 'version', value: String(version) },
        ]),
      });
    }

    async function download(replica: ServeProcess, name: string): Promise<{ status: number; bytes: Buffer }> {
      const response = await fetch(documentUrl(replica, name), { headers: SERVE_HEADERS });
      return { status: response.status, bytes: Buffer.from(await response.arrayBuffer()) };
    }

    async function listed(
      replica: ServeProcess,
    ): Promise<Array<{ fileName: string; size: number; metaData: Array<{ key: string; value: string }> }>> {
      const response = await fetch(collection(replica), { headers: SERVE_HEADERS });
      expect(response.status).toBe(200);
      return (
        (await response.json()) as { data: Array<{ fileName: string; size: number; metaData: Array<{ key: string; value: string }> }> }
      ).data;
    }

    beforeAll(async () => {
      redis = await RedisServer.start();
      dataDir = await mkdtemp(join(tmpdir(), 'jk-v2-replicas-'));
      replicas.push(...(await Promise.all([startReplica(), startReplica(), startReplica()])));
    });

    afterAll(async () => {
      await Promise.all(replicas.map((replica) => replica.stop()));
      await redis?.dispose();
      if (dataDir) await rm(dataDir, { recursive: true, force: true });
    });

    it('serves a document created through one replica from every other at once', async () => {
      const [a, b, c] = replicas as [ServeProcess, ServeProcess, ServeProcess];
      expect((await upload(a, 'POST', 'drawing.pdf', 1)).status).toBe(201);
      for (const other of [b, c]) {
        expect((await listed(other)).map((document) => document.fileName)).toContain('drawing.pdf');
        const { status, bytes } = await download(other, 'drawing.pdf');
        expect(status).toBe(200);
        expect(bytes.equals(versionContents('drawing.pdf', 1, { minBytes: 4096, spreadBytes: 64 * 1024 }))).toBe(true);
      }
    });

    it('30 concurrent PUTs of one name across replicas leave every replica serving the same bytes, those of one write', async () => {
      const name = 'contended.bin';
      expect((await upload(replicas[0]!, 'POST', name, 0)).status).toBe(201);
      const versions = Array.from({ length: 30 }, (_, index) => index + 1);
      const responses = await Promise.all(versions.map((version) => upload(replicas[version % 3]!, 'PUT', name, version)));
      expect(responses.map((response) => response.status)).toEqual(versions.map(() => 200));
      const served = await Promise.all(replicas.map((replica) => download(replica, name)));
      const [first] = served;
      for (const { status, bytes } of served) {
        expect(status).toBe(200);
        expect(bytes.equals(first!.bytes)).toBe(true);
      }
      const winner = versions.find(
        (version) => sha256(versionContents(name, version, { minBytes: 4096, spreadBytes: 64 * 1024 })) === sha256(first!.bytes),
      );
      expect(winner, 'the stored bytes are exactly one of the writes').toBeDefined();
      // The description (metaData) belongs to the same write as the bytes, on every replica.
      for (const replica of replicas)
        expect(versionOf((await listed(replica)).find((document) => document.fileName === name)!.metaData)).toBe(winner);
    });

    it('20 racing POSTs of a new name across replicas give exactly one 201; the others 400 saying to use PUT', async () => {
      const name = 'raced.pdf';
      const versions = Array.from({ length: 20 }, (_, index) => index + 1);
      const responses = await Promise.all(versions.map((version) => upload(replicas[version % 3]!, 'POST', name, version)));
      const statuses = responses.map((response) => response.status);
      expect(statuses.filter((status) => status === 201)).toHaveLength(1);
      expect(statuses.filter((status) => status === 400)).toHaveLength(19);
      for (const response of responses.filter((r) => r.status === 400))
        expect(((await response.json()) as { message: string }).message).toMatch(/use PUT/);
      const winner = versions[statuses.indexOf(201)]!;
      for (const replica of replicas) {
        const { bytes } = await download(replica, name);
        expect(bytes.equals(versionContents(name, winner, { minBytes: 4096, spreadBytes: 64 * 1024 }))).toBe(true);
      }
    });

    it('a DELETE through one replica is seen by all', async () => {
      expect((await upload(replicas[1]!, 'POST', 'short-lived.txt', 1)).status).toBe(201);
      const deleted = await fetch(documentUrl(replicas[2]!, 'short-lived.txt'), { method: 'DELETE', headers: SERVE_HEADERS });
      expect(deleted.status).toBe(200);
      for (const replica of replicas) {
        expect((await download(replica, 'short-lived.txt')).status).toBe(404);
        expect((await listed(replica)).map((document) => document.fileName)).not.toContain('short-lived.txt');
      }
    });

    it('a replica restarting while another uploads leaves the upload in progress alone', async () => {
      const name = 'slow-upload.bin';
      const contents = versionContents(name, 7, { minBytes: 2 * 1024 * 1024, spreadBytes: 1024 });
      const body = Buffer.from(uploadBody(name, contents));
      const half = Math.floor(body.length / 2);
      let sendRest!: () => void;
      const restAllowed = new Promise<void>((resolve) => (sendRest = resolve));
      const slowBody = new ReadableStream<Uint8Array>({
        async start(controller) {
          controller.enqueue(body.subarray(0, half));
          await restAllowed;
          controller.enqueue(body.subarray(half));
          controller.close();
        },
      });
      const uploading = fetch(collection(replicas[1]!), {
        method: 'POST',
        headers: SERVE_HEADERS,
        body: slowBody,
        duplex: 'half',
      } as RequestInit);
      // The upload's temporary file is on the shared volume, half written.
      await vi.waitFor(async () => expect(await tempFilesUnder(dataDir)).toHaveLength(1), { timeout: 20_000, interval: 20 });

      const restarting = replicas[0]!;
      expect(await restarting.stop()).toBe(0);
      replicas[0] = await startReplica();
      // The new replica's start-up clean-up ran: the live replica's upload is still there.
      expect(await tempFilesUnder(dataDir)).toHaveLength(1);

      sendRest();
      const response = await uploading;
      expect(response.status).toBe(201);
      const { bytes } = await download(replicas[0], name);
      expect(bytes.equals(contents)).toBe(true);
    });

    it('leaves no temporary file behind', async () => {
      expect(await tempFilesUnder(dataDir)).toEqual([]);
    });

    it('refuses a replica without Redis on the data dir the others share, in one line with exit code 2', async () => {
      const refused = await startServe(dataDir).then(
        (replica) => replica.stop().then(() => 'started'),
        (error: Error) => error.message,
      );
      expect(refused).toMatch(/exited with 2 before listening: .*in use by another jakamo-kit serve \(pid \d+ on .+\).*--state-url/);
    });
  },
);
