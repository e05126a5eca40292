/**
 * Runs the checks against a server: validates the options, makes sure something answers HTTP at all, runs
 * independent checks concurrently (at most MAX_IN_FLIGHT requests at once), dependents after what they need,
 * timing checks alone at the end, and returns the report with the API key masked everywhere.
 */
import { randomBytes } from 'node:crypto';
import { mask } from '../src/shared/secrets.js';
import { checks as allChecks, v2Checks, type Check, type Outcome } from './checks/index.js';
import { createCheckContext, type CheckContext } from './context.js';
import { isUnreachable, type ReceivedResponse } from './http.js';
import { createKeyScanner, type KeyScanner } from './secrets.js';
import { CannotRunError, resolveSettings } from './settings.js';
import type { CheckResult, ConformanceOptions, RecordedResponse, Report, Summary } from './types.js';

const MAX_IN_FLIGHT = 6;
/** A check's time budget, in requests of --timeout each, unless the check says otherwise. */
const DEFAULT_BUDGET_REQUESTS = 10;
/** Response bodies in the report are cut to this many characters. */
const REPORT_BODY_CHARS = 4096;

export async function runConformance(options: ConformanceOptions): Promise<Report> {
  const settings = resolveSettings(options);
  const selected = selectChecks(options.only, settings.v2 !== undefined);
  const toRun = withDependencies(selected);
  const scanner = createKeyScanner(options.apiKey, mask(options.apiKey));
  const ctx = createCheckContext({
    settings,
    apiKey: options.apiKey,
    fetch: options.fetch ?? globalThis.fetch,
    maxInFlight: MAX_IN_FLIGHT,
    wrongKey: wrongKeyFor(),
    scanner,
  });
  await preflight(ctx);

  const results = new Map<string, Promise<CheckResult>>();
  const blockedBy: BlockedBy = new Map();
  let done = 0;
  const start = (check: Check): Promise<CheckResult> => {
    let pending = results.get(check.id);
    if (!pending) {
      pending = runCheck(ctx, check, (id) => start(checkById(id)), blockedBy).then((result) => {
        options.onProgress?.({ done: ++done, total: toRun.length, result: maskSecrets(result, scanner) });
        return result;
      });
      results.set(check.id, pending);
    }
    return pending;
  };
  await Promise.all(toRun.filter((check) => !check.runsAlone).map(start));
  for (const check of toRun.filter((c) => c.runsAlone)) await start(check);

  const reported = await Promise.all(selected.map((check) => start(check)));
  const masked = reported.map((result) => maskSecrets(result, scanner));
  return { summary: summarise(masked, settings.strict), results: masked };
}

/** 0 when every MUST passed (and every SHOULD under strict), 1 otherwise; "cannot run" (2) is a thrown CannotRunError. */
export function exitCodeFor(report: Report): 0 | 1 {
  return report.summary.failed > 0 ? 1 : 0;
}

export const checkIds = (): string[] => allChecks.map((check) => check.id);

/** The checks to report: all of them, or those `only` names; the v2 checks only when v2 is on. */
function selectChecks(only: string[] | undefined, v2: boolean): Check[] {
  const available = v2 ? allChecks : allChecks.filter((check) => !v2Checks.includes(check));
  if (!only || only.length === 0) return [...available];
  const matches = (pattern: string, id: string) => (pattern.endsWith('*') ? id.startsWith(pattern.slice(0, -1)) : id === pattern);
  const unknown = only.filter((pattern) => !allChecks.some((check) => matches(pattern, check.id)));
  if (unknown.length > 0) {
    const areas = [...new Set(allChecks.map((check) => `${check.id.split('.')[0]}.*`))].join(', ');
    throw new CannotRunError(`unknown check id(s): ${unknown.join(', ')} (areas: ${areas})`);
  }
  const needV2 = only.filter((pattern) => !available.some((check) => matches(pattern, check.id)));
  if (needV2.length > 0) throw new CannotRunError(`${needV2.join(', ')}: the v2 checks run only with --v2 --supplier ID`);
  return available.filter((check) => only.some((pattern) => matches(pattern, check.id)));
}

function checkById(id: string): Check {
  const check = allChecks.find((c) => c.id === id);
  if (!check) throw new Error(`no check has the id ${id}`);
  return check;
}

/** The selected checks plus everything they depend on, in report order. */
function withDependencies(selected: Check[]): Check[] {
  const needed = new Set(selected.map((check) => check.id));
  const add = (check: Check) => {
    for (const id of check.dependsOn ?? []) {
      if (!needed.has(id)) {
        needed.add(id);
        add(checkById(id));
      }
    }
  };
  selected.forEach(add);
  return allChecks.filter((check) => needed.has(check.id));
}

/**
 * Refuses to produce a list of failures when nothing can be reached at the base URL (refused, DNS, TLS …). A server
 * that answers and then misbehaves (resets, cuts or garbles its answer) is there: its checks report it.
 */
async function preflight(ctx: CheckContext): Promise<void> {
  const { exchange } = await ctx.listing();
  if (isUnreachable(exchange)) {
    throw new CannotRunError(`cannot reach ${ctx.settings.baseUrl}: ${exchange.error ?? 'no answer'}`);
  }
}

type BlockedBy = Map<string, { id: string; status: CheckResult['status'] }>;

async function runCheck(
  ctx: CheckContext,
  check: Check,
  resultOf: (id: string) => Promise<CheckResult>,
  blockedBy: BlockedBy,
): Promise<CheckResult> {
  for (const id of check.dependsOn ?? []) {
    const dependency = await resultOf(id);
    if (dependency.status !== 'pass') {
      // Name the root cause, not the chain: "needs listing.schema, which needs listing.json, …" helps nobody.
      const cause = blockedBy.get(id) ?? { id, status: dependency.status };
      blockedBy.set(check.id, cause);
      return toResult(check, { status: 'skip', message: `not run: ${cause.id} ${cause.status === 'fail' ? 'failed' : 'was skipped'}` }, 0);
    }
  }
  const budgetMs = ctx.settings.timeoutMs * (check.budgetRequests ?? DEFAULT_BUDGET_REQUESTS);
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const overBudget = new Promise<Outcome>((resolve) => {
    timer = setTimeout(() => resolve(budgetExceeded(budgetMs, ctx)), budgetMs);
  });
  let outcome: Outcome;
  try {
    outcome = await Promise.race([check.run(ctx), overBudget]);
  } catch (error) {
    outcome = { status: 'fail', message: `the check could not finish: ${error instanceof Error ? error.message : String(error)}` };
  } finally {
    clearTimeout(timer);
  }
  const durationMs = performance.now() - started;
  // A check that hogged the CPU (a pattern gone quadratic on a server's body) finishes before its timer can fire: judge it by its duration.
  if (durationMs > budgetMs && outcome.status !== 'fail') outcome = budgetExceeded(budgetMs, ctx);
  return toResult(check, outcome, durationMs);
}

function budgetExceeded(budgetMs: number, ctx: CheckContext): Outcome {
  return {
    status: 'fail',
    message: `did not finish within its time budget of ${budgetMs} ms (--timeout ${ctx.settings.timeoutMs} ms per request); the server's answers kept it busy`,
  };
}

function toResult(check: Check, outcome: Outcome, durationMs: number): CheckResult {
  const exchange = outcome.exchange;
  return {
    id: check.id,
    severity: check.severity,
    status: outcome.status,
    title: check.title,
    message: outcome.message,
    ...(outcome.status === 'fail' && outcome.jakamoUserSees !== undefined ? { jakamoUserSees: outcome.jakamoUserSees } : {}),
    why: check.why,
    ...(exchange ? { request: exchange.request } : {}),
    ...(exchange?.response ? { response: recordResponse(exchange.response) } : {}),
    durationMs: Math.round(durationMs),
  };
}

function recordResponse(response: ReceivedResponse): RecordedResponse {
  const textual = isTextual(response);
  const truncated = !response.complete || (textual && response.text.length > REPORT_BODY_CHARS);
  return {
    status: response.status,
    headers: response.headers,
    body: textual
      ? response.text.slice(0, REPORT_BODY_CHARS)
      : `[${response.bytes} bytes of ${response.contentType || 'unlabelled'} content]`,
    bodyBytes: response.bytes,
    truncated,
  };
}

function isTextual(response: ReceivedResponse): boolean {
  if (response.bytes === 0) return true;
  if (
    /^(text\/|application\/([\w.-]+\+)?(json|xml)|application\/(javascript|x-www-form-urlencoded|problem\+json))/i.test(
      response.contentType,
    )
  )
    return true;
  // Unlabelled: text when it decoded without replacement characters or NULs.
  return !response.contentType && !/[\uFFFD\u0000]/.test(response.text);
}

function summarise(results: CheckResult[], strict: boolean): Summary {
  const count = (predicate: (result: CheckResult) => boolean) => results.filter(predicate).length;
  const shouldFailures = count((r) => r.status === 'fail' && r.severity === 'SHOULD');
  return {
    passed: count((r) => r.status === 'pass'),
    failed: count((r) => r.status === 'fail' && r.severity === 'MUST') + (strict ? shouldFailures : 0),
    warnings: strict ? 0 : shouldFailures,
    skipped: count((r) => r.status === 'skip'),
  };
}

/** Replaces every form of the API key (raw, encoded, a long part of it) in every string of a result: headers, URLs, bodies, messages. */
function maskSecrets<T>(value: T, scanner: KeyScanner): T {
  const walk = (node: unknown): unknown => {
    if (typeof node === 'string') return scanner.redact(node);
    if (Array.isArray(node)) return node.map(walk);
    if (node && typeof node === 'object') return Object.fromEntries(Object.entries(node).map(([k, v]) => [walk(k), walk(v)]));
    return node;
  };
  return walk(value) as T;
}

/** A key nobody configured: random, so a server cannot special-case it. */
function wrongKeyFor(): string {
  return `jkcheck-wrong-${randomBytes(12).toString('hex')}`;
}
