/**
 * `jakamo-kit serve` (the built CLI) as a child process serving v2 supplier documents from a data directory, for the
 * tests that need real processes: replicas sharing a directory, a SIGKILL mid-write, the memory of parallel uploads.
 * OpenBOM is never contacted by v2 requests: nothing listens on port 9 of 127.0.0.1.
 */
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { spawnCli } from '../support/cli.js';

export const SERVE_KEY = 'v2-replica-key-5b1e0c93';
const ENV = {
  JAKAMO_API_KEYS: SERVE_KEY,
  OPENBOM_APP_KEY: 'unused-app-key',
  OPENBOM_USERNAME: 'unused@example.com',
  OPENBOM_PASSWORD: 'unused-password',
};
export const SERVE_HEADERS = { 'X-API-KEY': SERVE_KEY, 'Content-Type': 'application/json' };

export interface ServeProcess {
  url: string;
  child: ChildProcess;
  /** Resolves with the exit code (null after a signal). */
  exited: Promise<number | null>;
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<number | null>;
}

/** Starts `serve --port 0 --data-dir <dir> [extra]`; resolves once its start-up line gives its URL. */
export function startServe(dataDir: string, extraArgs: string[] = []): Promise<ServeProcess> {
  const { JAKAMO_DATA_DIR: _dataDir, JAKAMO_KIT_STATE_URL: _stateUrl, ...parentEnv } = process.env;
  const child = spawnCli(['serve', '--port', '0', '--data-dir', dataDir, '--openbom-url', 'http://127.0.0.1:9', ...extraArgs], {
    env: { ...parentEnv, ...ENV },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((started, failed) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      let entry: { msg?: string; url?: string };
      try {
        entry = JSON.parse(line) as typeof entry;
      } catch {
        return;
      }
      if (entry.msg !== 'jakamo-kit serve listening' || !entry.url) return;
      started({
        url: entry.url,
        child,
        exited,
        stop: () => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          return exited;
        },
      });
    });
    void exited.then((code) => failed(new Error(`serve exited with ${code} before listening: ${stderr}`)));
  });
}

/** The peak and current resident memory of a process, in bytes (Linux /proc). */
export async function residentMemory(pid: number): Promise<{ peak: number; current: number }> {
  const { readFile } = await import('node:fs/promises');
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]) * 1024;
  return { peak: kib('VmHWM'), current: kib('VmRSS') };
}
