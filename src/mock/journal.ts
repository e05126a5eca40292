import { mask } from '../shared/secrets.js';

export type RequestKind = 'api' | 'storage';

export interface JournalEntry {
  /** ISO time the request arrived (injected clock). */
  time: string;
  method: string;
  /** Path with query string, as sent. */
  path: string;
  /** Status sent; 0 when an injected fault dropped the connection. */
  status: number;
  durationMs: number;
  kind: RequestKind;
  appKey: string;
  accessToken: string;
}

/** A request in flight; becomes an entry when it finishes. Raw values are masked only when read. */
export interface PendingRequest {
  at: number;
  method: string;
  path: string;
  kind: RequestKind;
  appKey: string | undefined;
  accessToken: string | undefined;
  startedAt: number;
  status: number;
  durationMs: number;
}

/**
 * The last `capacity` requests, oldest first. A ring buffer, and formatting (ISO time, masking) happens when the
 * journal is read, so recording costs a request next to nothing. Secrets never leave it unmasked.
 */
export class Journal {
  private readonly ring: PendingRequest[] = [];
  private next = 0;

  constructor(private readonly capacity = 10_000) {}

  start(at: number, method: string, path: string, kind: RequestKind, appKey: string | undefined, accessToken: string | undefined): PendingRequest {
    return { at, method, path, kind, appKey, accessToken, startedAt: performance.now(), status: 0, durationMs: 0 };
  }

  finish(request: PendingRequest, status: number): void {
    request.status = status;
    request.durationMs = Math.round((performance.now() - request.startedAt) * 100) / 100;
    if (this.ring.length < this.capacity) this.ring.push(request);
    else this.ring[this.next] = request;
    this.next = (this.next + 1) % this.capacity;
  }

  /** Oldest first; `sinceMs` keeps requests that arrived at or after it. */
  list(sinceMs?: number): JournalEntry[] {
    const ordered = this.ring.length < this.capacity ? this.ring : [...this.ring.slice(this.next), ...this.ring.slice(0, this.next)];
    return ordered
      .filter((request) => sinceMs === undefined || request.at >= sinceMs)
      .map((request) => ({
        time: new Date(request.at).toISOString(),
        method: request.method,
        path: request.path,
        status: request.status,
        durationMs: request.durationMs,
        kind: request.kind,
        appKey: mask(request.appKey),
        accessToken: mask(request.accessToken),
      }));
  }

  clear(): number {
    const cleared = this.ring.length;
    this.ring.length = 0;
    this.next = 0;
    return cleared;
  }
}
