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

/** A request in flight, from start() to finish(); short-lived, the journal keeps its fields, not the object. */
export interface PendingRequest {
  at: number;
  method: string;
  path: string;
  kind: RequestKind;
  appKey: string | undefined;
  accessToken: string | undefined;
  startedAt: number;
}

/** Distinct strings the journal keeps one copy of; past this many it starts over (so any stream of values fits). */
const STRING_POOL_LIMIT = 4096;

/**
 * The last `capacity` requests in the order they finished, oldest first: a ring of columns (typed arrays for the
 * numbers), with repeated strings (a client's key and token, the paths it asks for) kept once. Under load, a ring of
 * one object per request (each outliving the young generation, with its own copies of the strings) cost about 15% of
 * a cached GET in garbage collection. Formatting (ISO time, masking) happens when the journal is read; secrets never
 * leave it unmasked.
 */
export class Journal {
  private readonly at: Float64Array;
  private readonly durationMs: Float64Array;
  private readonly status: Uint16Array;
  private readonly methods: string[];
  private readonly paths: string[];
  private readonly kinds: RequestKind[];
  private readonly appKeys: Array<string | undefined>;
  private readonly accessTokens: Array<string | undefined>;
  private readonly pool = new Map<string, string>();
  private size = 0;
  private next = 0;

  constructor(private readonly capacity = 10_000) {
    this.at = new Float64Array(capacity);
    this.durationMs = new Float64Array(capacity);
    this.status = new Uint16Array(capacity);
    this.methods = new Array<string>(capacity).fill('');
    this.paths = new Array<string>(capacity).fill('');
    this.kinds = new Array<RequestKind>(capacity).fill('api');
    this.appKeys = new Array<string | undefined>(capacity).fill(undefined);
    this.accessTokens = new Array<string | undefined>(capacity).fill(undefined);
  }

  start(
    at: number,
    method: string,
    path: string,
    kind: RequestKind,
    appKey: string | undefined,
    accessToken: string | undefined,
  ): PendingRequest {
    return { at, method, path, kind, appKey, accessToken, startedAt: performance.now() };
  }

  finish(request: PendingRequest, status: number): void {
    const slot = this.next;
    this.at[slot] = request.at;
    this.durationMs[slot] = Math.round((performance.now() - request.startedAt) * 100) / 100;
    this.status[slot] = status;
    this.methods[slot] = request.method;
    this.paths[slot] = this.pooled(request.path);
    this.kinds[slot] = request.kind;
    this.appKeys[slot] = request.appKey === undefined ? undefined : this.pooled(request.appKey);
    this.accessTokens[slot] = request.accessToken === undefined ? undefined : this.pooled(request.accessToken);
    this.next = (slot + 1) % this.capacity;
    if (this.size < this.capacity) this.size++;
  }

  /** Oldest first; `sinceMs` keeps requests that arrived at or after it. */
  list(sinceMs?: number): JournalEntry[] {
    const entries: JournalEntry[] = [];
    const oldest = this.size < this.capacity ? 0 : this.next;
    for (let i = 0; i < this.size; i++) {
      const slot = (oldest + i) % this.capacity;
      const at = this.at[slot] ?? 0;
      if (sinceMs !== undefined && at < sinceMs) continue;
      entries.push({
        time: new Date(at).toISOString(),
        method: this.methods[slot] ?? '',
        path: this.paths[slot] ?? '',
        status: this.status[slot] ?? 0,
        durationMs: this.durationMs[slot] ?? 0,
        kind: this.kinds[slot] ?? 'api',
        // Fingerprints: which key or token a request carried can be told apart, never read.
        appKey: mask(this.appKeys[slot], { fingerprint: true }),
        accessToken: mask(this.accessTokens[slot], { fingerprint: true }),
      });
    }
    return entries;
  }

  clear(): number {
    const cleared = this.size;
    this.size = 0;
    this.next = 0;
    // Let go of the strings (tokens among them) as well as forgetting the entries.
    this.paths.fill('');
    this.appKeys.fill(undefined);
    this.accessTokens.fill(undefined);
    this.pool.clear();
    return cleared;
  }

  /** The journal's own copy of a string equal to `value`: repeats share one instead of each being kept. */
  private pooled(value: string): string {
    const known = this.pool.get(value);
    if (known !== undefined) return known;
    if (this.pool.size >= STRING_POOL_LIMIT) this.pool.clear();
    this.pool.set(value, value);
    return value;
  }
}
