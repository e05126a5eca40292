/**
 * Issue 18.4: uploads stream. `serve` (a child process, so its memory is its own) takes 8 parallel uploads of 24 MiB
 * each (32 MiB of base64 per body; two of them refused at their very end for a bad last character) while its peak
 * resident memory (VmHWM) is read from /proc. Holding bodies whole, as before, costs several copies of each
 * (the body, its text, the decoded bytes): well over 600 MiB here; streaming costs a small constant per upload.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { residentMemory, SERVE_HEADERS, startServe, type ServeProcess } from './serve-process.js';

const UPLOADS = 8;
/** 48 KiB of random bytes: 64 KiB of base64, repeated to make each document. */
const BLOCK = randomBytes(48 * 1024);
const BLOCKS_PER_DOCUMENT = 512; // 24 MiB
/** What 8 streamed uploads may add to the process's peak resident memory, all together. */
const MAX_GROWTH_BYTES = 96 * 1024 * 1024;

let serve: ServeProcess | undefined;
let dataDir: string | undefined;
afterAll(async () => {
  await serve?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

/** A POST body streamed in 64 KiB pieces, never whole in the test either; `badEnding` spoils its last character. */
function streamedUpload(fileName: string, badEnding: boolean): ReadableStream<Uint8Array> {
  const encodedBlock = Buffer.from(BLOCK.toString('base64'));
  let sent = 0;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(
        Buffer.from(`{"fileName":${JSON.stringify(fileName)},"metaData":[{"key":"k","value":"v"}],"base64EncodedContents":"`),
      );
    },
    pull(controller) {
      if (sent < BLOCKS_PER_DOCUMENT) {
        sent++;
        controller.enqueue(
          sent === BLOCKS_PER_DOCUMENT && badEnding ? Buffer.concat([encodedBlock.subarray(0, -1), Buffer.from('!')]) : encodedBlock,
        );
        return;
      }
      controller.enqueue(Buffer.from('"}'));
      controller.close();
    },
  });
}

it(
  "8 parallel 24 MiB uploads (2 refused at their end) add less than 96 MiB to the server's peak memory",
  { timeout: 120_000 },
  async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'jk-v2-memory-'));
    serve = await startServe(dataDir);
    const collection = `${serve.url}/suppliers/MEM-1/documents`;
    // Warm up: the first upload loads the validators and the streaming path.
    const warmUp = await fetch(collection, {
      method: 'POST',
      headers: SERVE_HEADERS,
      body: JSON.stringify({ fileName: 'warm-up.txt', base64EncodedContents: 'aGk=' }),
    });
    expect(warmUp.status).toBe(201);
    const before = await residentMemory(serve.child.pid!);

    const responses = await Promise.all(
      Array.from({ length: UPLOADS }, (_, index) =>
        fetch(collection, {
          method: 'POST',
          headers: SERVE_HEADERS,
          body: streamedUpload(`big-${index}.bin`, index < 2),
          duplex: 'half',
        } as RequestInit),
      ),
    );
    const statuses = responses.map((response) => response.status);
    const after = await residentMemory(serve.child.pid!);

    expect(statuses).toEqual([400, 400, 201, 201, 201, 201, 201, 201]);
    expect(((await responses[0]!.json()) as { errors: Array<{ field: string }> }).errors.map((error) => error.field)).toEqual([
      'base64EncodedContents',
    ]);
    const created = (await responses[2]!.json()) as { size: number };
    expect(created.size).toBe(BLOCK.length * BLOCKS_PER_DOCUMENT);
    const growth = after.peak - before.current;
    console.info(
      `v2 upload memory: peak ${(after.peak / 2 ** 20).toFixed(0)} MiB, before ${(before.current / 2 ** 20).toFixed(0)} MiB, growth ${(growth / 2 ** 20).toFixed(0)} MiB for ${UPLOADS} × ${(BLOCK.length * BLOCKS_PER_DOCUMENT) / 2 ** 20} MiB`,
    );
    expect(growth).toBeLessThan(MAX_GROWTH_BYTES);

    // And the bytes stored are the bytes sent.
    const download = await fetch(`${collection}/big-5.bin`, { headers: SERVE_HEADERS });
    const bytes = Buffer.from(await download.arrayBuffer());
    expect(bytes.length).toBe(BLOCK.length * BLOCKS_PER_DOCUMENT);
    expect(bytes.subarray(0, BLOCK.length).equals(BLOCK) && bytes.subarray(-BLOCK.length).equals(BLOCK)).toBe(true);
  },
);
