/**
 * `jakamo-kit serve --state-url` itself (the built CLI, in a child process): it connects to Redis before it
 * listens and says which state it uses (password masked), stops cleanly, and exits 1 on one line when Redis
 * cannot be reached at start.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnCli } from '../support/cli.js';
import { missing } from '../support/prerequisites.js';
import { RedisServer, redisServer } from './support/redis-server.js';

const ENV = {
  JAKAMO_API_KEYS: 'serve-state-key-1',
  OPENBOM_APP_KEY: 'serve-state-app-key',
  OPENBOM_USERNAME: 'u@example.com',
  OPENBOM_PASSWORD: 'serve-state-pw',
};
const work = mkdtempSync(join(tmpdir(), 'jk-serve-state-'));
/** A child with its output piped (spawnCli's default). */
type ServeProcess = ChildProcess & { stdout: NodeJS.ReadableStream; stderr: NodeJS.ReadableStream };
const children = new Set<ServeProcess>();

function spawnServe(stateUrl: string): ServeProcess {
  const child = spawnCli(['serve', '--port', '0', '--data-dir', join(work, 'data'), '--openbom-url', 'http://127.0.0.1:9'], {
    env: { ...process.env, ...ENV, JAKAMO_KIT_STATE_URL: stateUrl },
  }) as ServeProcess;
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}

afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
});

describe.skipIf(missing(redisServer))('jakamo-kit serve with a Redis state', { timeout: 30_000 }, () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await RedisServer.start();
  });
  afterAll(async () => {
    await redis?.dispose();
  });

  it('connects before listening, logs the state without a password, and stops cleanly', async () => {
    // Redis without AUTH ignores a password it is given with a warning, so the URL may carry one here.
    const child = spawnServe(`redis://:not-needed-pw@127.0.0.1:${redis.port}`);
    let stdout = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    const listening = await new Promise<{ config: { state: unknown } }>((started, failed) => {
      createInterface({ input: child.stdout }).on('line', (line) => {
        const entry = JSON.parse(line) as { msg: string; config: { state: unknown } };
        if (entry.msg === 'jakamo-kit serve listening') started(entry);
      });
      child.once('exit', (code) => failed(new Error(`serve exited with ${code}`)));
    });
    expect(listening.config.state).toEqual({ url: `redis://:****@127.0.0.1:${redis.port}`, keyPrefix: 'jakamo-kit:' });
    const exited = new Promise((done) => child.once('exit', done));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stdout).not.toContain('not-needed-pw');
  });

  it('exits 1 with one line when Redis cannot be reached at start', async () => {
    const probe = createServer();
    await new Promise<void>((done) => probe.listen(0, '127.0.0.1', done));
    const { port } = probe.address() as { port: number };
    await new Promise((done) => probe.close(done));

    const child = spawnServe(`redis://:unreachable-pw@127.0.0.1:${port}`);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const code = await new Promise((done) => child.once('exit', done));
    expect(code).toBe(1);
    expect(stderr).toMatch(
      new RegExp(`^jakamo-kit: cannot reach the shared state at redis://:\\*\\*\\*\\*@127\\.0\\.0\\.1:${port}: .*ECONNREFUSED.*\\n$`),
    );
    expect(stdout).not.toContain('listening');
    expect(stdout + stderr).not.toContain('unreachable-pw');
  });
});
