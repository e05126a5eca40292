import { badRequest } from './errors.js';
import { isPlainObject } from './request.js';

/** What a client posts to /__admin/faults. */
export interface FaultSpec {
  method?: string;
  /** Glob over the path (no query): "*" matches one segment, "**" any rest, e.g. "/catalog/*" or "/**". */
  path: string;
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  latencyMs?: number;
  drop?: boolean;
  /**
   * Sends the head with a Content-Length for the whole body, then only the first `truncate` bytes, then cuts the
   * connection: a response broken off mid-body. A body of at most that many bytes is sent whole before the cut.
   */
  truncate?: number;
  /** Applies to this many matching requests, then the rule is gone. */
  times?: number;
  /** Chance (0..1) that a matching request is affected; unaffected requests do not use up `times`. */
  probability?: number;
}

export interface FaultRule extends FaultSpec {
  id: string;
}

const MAX_LATENCY_MS = 60_000;
const KNOWN_KEYS = new Set(['method', 'path', 'status', 'body', 'headers', 'latencyMs', 'drop', 'truncate', 'times', 'probability']);

/** Validates a posted rule; every problem is a 400 naming the field. */
export function parseFaultSpec(input: unknown): FaultSpec {
  if (!isPlainObject(input)) throw badRequest('A fault must be a JSON object.');
  for (const key of Object.keys(input)) if (!KNOWN_KEYS.has(key)) throw badRequest(`Unknown fault field "${key}".`);
  const { method, path, status, body, headers, latencyMs, drop, truncate, times, probability } = input;
  const spec: FaultSpec = { path: '' };
  if (typeof path !== 'string' || !path.startsWith('/')) throw badRequest('Fault "path" must be a path pattern starting with "/".');
  if (path.length > MAX_PATTERN_LENGTH) throw badRequest(`Fault "path" must be at most ${MAX_PATTERN_LENGTH} characters.`);
  spec.path = path;
  if (method !== undefined) {
    if (typeof method !== 'string' || !/^[A-Za-z]+$/.test(method)) throw badRequest('Fault "method" must be an HTTP method.');
    spec.method = method.toUpperCase();
  }
  if (status !== undefined) {
    if (!Number.isInteger(status) || (status as number) < 200 || (status as number) > 599)
      throw badRequest('Fault "status" must be a whole number from 200 to 599.');
    spec.status = status as number;
  }
  if (body !== undefined) spec.body = body;
  if (headers !== undefined) {
    if (!isPlainObject(headers) || !Object.values(headers).every((v) => typeof v === 'string'))
      throw badRequest('Fault "headers" must be an object of strings.');
    spec.headers = headers as Record<string, string>;
  }
  if (latencyMs !== undefined) {
    if (!Number.isInteger(latencyMs) || (latencyMs as number) < 0 || (latencyMs as number) > MAX_LATENCY_MS)
      throw badRequest(`Fault "latencyMs" must be a whole number from 0 to ${MAX_LATENCY_MS}.`);
    spec.latencyMs = latencyMs as number;
  }
  if (drop !== undefined) {
    if (typeof drop !== 'boolean') throw badRequest('Fault "drop" must be true or false.');
    spec.drop = drop;
  }
  if (truncate !== undefined) {
    if (!Number.isInteger(truncate) || (truncate as number) < 0)
      throw badRequest('Fault "truncate" must be a whole number of bytes, 0 or more.');
    spec.truncate = truncate as number;
  }
  if (times !== undefined) {
    if (!Number.isInteger(times) || (times as number) < 1) throw badRequest('Fault "times" must be a whole number above 0.');
    spec.times = times as number;
  }
  if (probability !== undefined) {
    if (typeof probability !== 'number' || probability < 0 || probability > 1)
      throw badRequest('Fault "probability" must be a number from 0 to 1.');
    spec.probability = probability;
  }
  if (
    spec.status === undefined &&
    !spec.drop &&
    spec.latencyMs === undefined &&
    spec.headers === undefined &&
    spec.truncate === undefined
  ) {
    throw badRequest('A fault needs at least one of "status", "latencyMs", "drop", "truncate" or "headers".');
  }
  if (spec.drop && spec.truncate !== undefined) throw badRequest('A fault cannot both drop the connection and truncate the response.');
  if ((spec.body !== undefined || spec.headers !== undefined) && spec.status === undefined && spec.drop) {
    throw badRequest('A fault that drops the connection cannot also send a body or headers.');
  }
  return spec;
}

/** Longest fault path pattern accepted: ample for any real path, and it bounds the matcher's work per request. */
const MAX_PATTERN_LENGTH = 1024;

const ANY_IN_SEGMENT = -1;
const ANY = -2;

/**
 * A fault path glob: "*" matches within one segment, "**" anything (slashes included), and a trailing "/**" also
 * matches the bare prefix ("/catalog/**" matches "/catalog"). Matching simulates the pattern as a set of states, one
 * pass over the path: time is at most (path length × pattern length), whatever the pattern. A regular expression
 * built from the glob backtracks: "/*a*a*a…" against a long path of "a"s takes exponential time.
 */
export class PathGlob {
  private readonly alternatives: Int32Array[];

  constructor(readonly source: string) {
    const trailingAny = source.endsWith('/**');
    const body = trailingAny ? source.slice(0, -3) : source;
    this.alternatives = trailingAny ? [tokens(body), tokens(`${body}/**`)] : [tokens(body)];
  }

  matches(path: string): boolean {
    return this.alternatives.some((pattern) => simulate(pattern, path));
  }
}

/** Pattern as character codes, with ANY_IN_SEGMENT for "*" and ANY for "**". */
function tokens(glob: string): Int32Array {
  const out: number[] = [];
  for (let i = 0; i < glob.length; i++) {
    if (glob.startsWith('**', i)) {
      out.push(ANY);
      i++;
    } else if (glob[i] === '*') out.push(ANY_IN_SEGMENT);
    else out.push(glob.charCodeAt(i));
  }
  return Int32Array.from(out);
}

const SLASH = 47;

function simulate(pattern: Int32Array, path: string): boolean {
  let active = new Uint8Array(pattern.length + 1);
  let next = new Uint8Array(pattern.length + 1);
  active[0] = 1;
  closeOverStars(pattern, active);
  for (let i = 0; i < path.length; i++) {
    const char = path.charCodeAt(i);
    next.fill(0);
    let any = false;
    for (let state = 0; state < pattern.length; state++) {
      if (!active[state]) continue;
      const token = pattern[state]!;
      if (token === ANY || (token === ANY_IN_SEGMENT && char !== SLASH)) {
        next[state] = 1;
        any = true;
      } else if (token === char) {
        next[state + 1] = 1;
        any = true;
      }
    }
    if (!any) return false;
    closeOverStars(pattern, next);
    [active, next] = [next, active];
  }
  return active[pattern.length] === 1;
}

/** A star may match nothing: a state at a star also reaches the state after it. */
function closeOverStars(pattern: Int32Array, states: Uint8Array): void {
  for (let state = 0; state < pattern.length; state++) {
    if (states[state] && pattern[state]! < 0) states[state + 1] = 1;
  }
}

interface ActiveRule {
  rule: FaultRule;
  pattern: PathGlob;
  remaining: number;
}

/** Fault rules in the order they were added; the first that matches (and wins its dice roll) applies. */
export class FaultRules {
  private rules: ActiveRule[] = [];
  private nextId = 1;

  constructor(private readonly random: () => number = Math.random) {}

  add(spec: FaultSpec): FaultRule {
    const rule: FaultRule = { id: String(this.nextId++), ...spec };
    this.rules.push({ rule, pattern: new PathGlob(spec.path), remaining: spec.times ?? Number.POSITIVE_INFINITY });
    return rule;
  }

  list(): FaultRule[] {
    return this.rules.map(({ rule, remaining }) => (rule.times === undefined ? rule : { ...rule, times: remaining }));
  }

  remove(id: string): boolean {
    const before = this.rules.length;
    this.rules = this.rules.filter(({ rule }) => rule.id !== id);
    return this.rules.length < before;
  }

  clear(): number {
    const cleared = this.rules.length;
    this.rules = [];
    return cleared;
  }

  /** The rule to apply to this request, if any; using it counts against its `times`. */
  take(method: string, path: string): FaultRule | undefined {
    if (this.rules.length === 0) return undefined;
    for (const active of this.rules) {
      const { rule } = active;
      if (rule.method !== undefined && rule.method !== method) continue;
      if (!active.pattern.matches(path)) continue;
      if (rule.probability !== undefined && this.random() >= rule.probability) continue;
      active.remaining--;
      if (active.remaining <= 0) this.rules = this.rules.filter((other) => other !== active);
      return rule;
    }
    return undefined;
  }
}
