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
  spec.path = path;
  if (method !== undefined) {
    if (typeof method !== 'string' || !/^[A-Za-z]+$/.test(method)) throw badRequest('Fault "method" must be an HTTP method.');
    spec.method = method.toUpperCase();
  }
  if (status !== undefined) {
    if (!Number.isInteger(status) || (status as number) < 200 || (status as number) > 599) throw badRequest('Fault "status" must be a whole number from 200 to 599.');
    spec.status = status as number;
  }
  if (body !== undefined) spec.body = body;
  if (headers !== undefined) {
    if (!isPlainObject(headers) || !Object.values(headers).every((v) => typeof v === 'string')) throw badRequest('Fault "headers" must be an object of strings.');
    spec.headers = headers as Record<string, string>;
  }
  if (latencyMs !== undefined) {
    if (!Number.isInteger(latencyMs) || (latencyMs as number) < 0 || (latencyMs as number) > MAX_LATENCY_MS) throw badRequest(`Fault "latencyMs" must be a whole number from 0 to ${MAX_LATENCY_MS}.`);
    spec.latencyMs = latencyMs as number;
  }
  if (drop !== undefined) {
    if (typeof drop !== 'boolean') throw badRequest('Fault "drop" must be true or false.');
    spec.drop = drop;
  }
  if (truncate !== undefined) {
    if (!Number.isInteger(truncate) || (truncate as number) < 0) throw badRequest('Fault "truncate" must be a whole number of bytes, 0 or more.');
    spec.truncate = truncate as number;
  }
  if (times !== undefined) {
    if (!Number.isInteger(times) || (times as number) < 1) throw badRequest('Fault "times" must be a whole number above 0.');
    spec.times = times as number;
  }
  if (probability !== undefined) {
    if (typeof probability !== 'number' || probability < 0 || probability > 1) throw badRequest('Fault "probability" must be a number from 0 to 1.');
    spec.probability = probability;
  }
  if (spec.status === undefined && !spec.drop && spec.latencyMs === undefined && spec.headers === undefined && spec.truncate === undefined) {
    throw badRequest('A fault needs at least one of "status", "latencyMs", "drop", "truncate" or "headers".');
  }
  if (spec.drop && spec.truncate !== undefined) throw badRequest('A fault cannot both drop the connection and truncate the response.');
  if ((spec.body !== undefined || spec.headers !== undefined) && spec.status === undefined && spec.drop) {
    throw badRequest('A fault that drops the connection cannot also send a body or headers.');
  }
  return spec;
}

/** "/catalog/*" → /^\/catalog\/[^/]*$/; a trailing "/**" also matches the bare prefix ("/catalog"). */
export function globToRegExp(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i] as string;
    if (glob.startsWith('/**', i) && i + 3 === glob.length) {
      source += '(?:/.*)?';
      break;
    }
    if (glob.startsWith('**', i)) {
      source += '.*';
      i++;
    } else if (char === '*') source += '[^/]*';
    else source += char.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

interface ActiveRule {
  rule: FaultRule;
  pattern: RegExp;
  remaining: number;
}

/** Fault rules in the order they were added; the first that matches (and wins its dice roll) applies. */
export class FaultRules {
  private rules: ActiveRule[] = [];
  private nextId = 1;

  constructor(private readonly random: () => number = Math.random) {}

  add(spec: FaultSpec): FaultRule {
    const rule: FaultRule = { id: String(this.nextId++), ...spec };
    this.rules.push({ rule, pattern: globToRegExp(spec.path), remaining: spec.times ?? Number.POSITIVE_INFINITY });
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
      if (!active.pattern.test(path)) continue;
      if (rule.probability !== undefined && this.random() >= rule.probability) continue;
      active.remaining--;
      if (active.remaining <= 0) this.rules = this.rules.filter((other) => other !== active);
      return rule;
    }
    return undefined;
  }
}
