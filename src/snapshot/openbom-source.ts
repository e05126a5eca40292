import { createTransport } from '../adapter/openbom/index.js';
import type { SnapshotSource } from './source.js';

/** Per attempt, or between two chunks of a file: generous, a snapshot is not waited on by anyone. */
const TIMEOUT_MS = 30_000;
/** A run of hours meets network blips: more retries than a Jakamo request can afford. */
const MAX_RETRIES = 6;

export interface SnapshotSourceOptions {
  baseUrl: string;
  appKey: string;
  username: string;
  password: string;
  /** OpenBOM's budget for the app key (its published limit is 5): the snapshot never asks for more. */
  requestsPerSecond: number;
  fetch?: typeof fetch;
}

/** The snapshot's OpenBOM: the adapter's transport (its permit pool, retry policy, login), at background priority. */
export function createSnapshotSource(options: SnapshotSourceOptions): SnapshotSource {
  const transport = createTransport({ ...options, timeoutMs: TIMEOUT_MS, maxRetries: MAX_RETRIES });
  return {
    getJson: (path, { params, signal } = {}) =>
      transport.getJson(path, { ...(params ? { params } : {}), ...(signal ? { signal } : {}), priority: 'background' }),
    openFile: (url, { signal } = {}) => transport.openFile(url, { ...(signal ? { signal } : {}), priority: 'background' }),
  };
}
