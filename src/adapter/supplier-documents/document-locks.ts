/**
 * Who may write a document now. One replica: a mutex per document in this process. Several replicas on one data
 * directory: a lock per document in Redis, with a fencing token (redis-document-locks.ts).
 */
import { KeyedMutex } from './keyed-mutex.js';

export interface DocumentLease {
  /** The token for a new version of a document whose stored version has token `stored` (0 when none). */
  fenceAbove(stored: number): Promise<number>;
  /** Throws DocumentStoreBusyError unless the lock is still held, with enough time left for the swap. */
  confirm(): Promise<void>;
}

export interface DocumentLocks {
  /** Runs `task` holding the lock of `key`; tasks for one key never overlap. */
  run<T>(key: string, task: (lease: DocumentLease) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** One replica: writes to a document are serialized in this process, which is the only writer. */
export function createLocalLocks(): DocumentLocks {
  const mutex = new KeyedMutex();
  const lease: DocumentLease = { fenceAbove: async (stored) => stored + 1, confirm: async () => undefined };
  return { run: (key, task) => mutex.run(key, () => task(lease)), close: async () => undefined };
}
