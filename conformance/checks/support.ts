/** What every check is made of, and the small judgements several checks share. */
import type { CheckContext } from '../context.js';
import type { Exchange, ExchangeRequest } from '../http.js';
import { withQuery, type NearMiss } from '../near-miss.js';
import type { Severity } from '../types.js';

export type Outcome =
  | { status: 'pass'; message: string; exchange?: Exchange }
  | { status: 'fail'; message: string; jakamoUserSees?: string; exchange?: Exchange }
  | { status: 'skip'; message: string; exchange?: Exchange };

export interface Check {
  /** Stable; used by --only and by CI configurations. */
  id: string;
  severity: Severity;
  title: string;
  /** The contract rule behind the check, cited. */
  why: string;
  /** Checks that must pass first; when one does not, this check is skipped. */
  dependsOn?: readonly string[];
  /** Runs after every other check, with nothing else in flight (timing checks, and those judging the whole run). */
  runsAlone?: boolean;
  /** Its time budget, in requests of --timeout each (default 10): a check over budget fails. */
  budgetRequests?: number;
  run(ctx: CheckContext): Promise<Outcome>;
}

export const pass = (message: string, exchange?: Exchange): Outcome => ({ status: 'pass', message, exchange });
export const fail = (message: string, jakamoUserSees: string, exchange?: Exchange): Outcome => ({
  status: 'fail',
  message,
  jakamoUserSees,
  exchange,
});
/** A failure where the contract does not say what a Jakamo user sees (the v2 checks): the result has no jakamoUserSees. */
export const failUnseen = (message: string, exchange?: Exchange): Outcome => ({ status: 'fail', message, exchange });
export const skip = (message: string, exchange?: Exchange): Outcome => ({ status: 'skip', message, exchange });

/** Jakamo's own words (File Callback API v1 §4). */
export const JAKAMO = {
  noFiles: '"No files found for this item number!"',
  unavailable: '"Unable to display files at this time. Try again later."',
  downloadFailed: '"Could not download file."',
} as const;

/** "200 application/json, 1234 bytes" or why nothing came back. */
export function describe(exchange: Exchange): string {
  const response = exchange.response;
  if (!response) return `no answer: ${exchange.error ?? 'unknown error'}`;
  const location = response.headers.location ? ` → ${response.headers.location}` : '';
  const type = response.contentType ? ` ${response.contentType}` : '';
  return `${response.status}${type}${location}, ${response.bytes}${response.complete ? '' : '+'} bytes`;
}

export const statusOf = (exchange: Exchange): number | undefined => exchange.response?.status;
export const isAuthRejection = (status: number | undefined): boolean => status === 401 || status === 403;
export const isRedirect = (status: number | undefined): boolean => status !== undefined && status >= 300 && status < 400;

/** A redirect target that looks like a sign-in page. */
export function looksLikeLogin(location: string | undefined): boolean {
  return !!location && /log-?in|sign-?in|auth|sso|oauth|saml|account/i.test(location);
}

/**
 * Error pages and stack traces of common stacks: they leak internals and show the input reached code that did not
 * expect it. Every pattern runs over a server's body, so each must be linear-time: no unbounded quantifier that can
 * overlap with what follows it (`[ \t]+`, not `\s+` before a line's text; bounded `{0,n}` runs inside a line).
 */
export const LEAK_PATTERNS: ReadonlyArray<readonly [string, RegExp]> = [
  [
    'a Node.js stack trace',
    /\bat Object\.<anonymous>|\n[ \t]+at (?:async )?(?:[^\n(]{1,300} \()?(?:file:\/\/|node:|\/|[A-Za-z]:\\)[^\n)]{0,500}:\d{1,9}:\d{1,9}\)?/,
  ],
  ['a Python traceback', /Traceback \(most recent call last\)/],
  [
    'a PHP error',
    /\b(?:Fatal error|Parse error)(?:<\/b>)?:|<b>Warning<\/b>:|\bWarning: [^\n]{1,500}? on line \d|Stack trace:[ \t\r\n]{0,20}#0 |PHP (?:Fatal error|Warning|Notice)/,
  ],
  ['a .NET exception', /System\.\w{0,100}Exception\b|^ {3}at [\w`<>[\]]{1,100}(?:\.[\w`<>[\]]{1,100}){1,30}\([^\n]{0,500}\)/m],
  ['an ASP.NET error page', /Server Error in '[^'\n]{0,300}' Application/],
  [
    'a Java stack trace',
    /Exception in thread "|\bat (?:java|javax|jdk|sun|com\.sun|org\.springframework|org\.apache)[\w.$/]{0,300}\(|\bjava\.lang\.\w{1,100}(?:Exception|Error)\b/,
  ],
  ['a Spring error page', /Whitelabel Error Page/],
  ['a Django debug page', /DEBUG = True|You're seeing this error because you have/],
  ['a Rails error page', /ActionController::\w|ActiveRecord::\w{0,100}Error/],
  ['a Go panic', /goroutine \d{1,9} \[running\]|panic: runtime error/],
  [
    'a database error',
    /SQLSTATE\[|You have an error in your SQL syntax|ORA-\d{5}|syntax error at or near|unterminated quoted string|SQLiteException|Microsoft OLE DB Provider/i,
  ],
];

/** The part of a body the patterns look at: error pages and traces show near the start. */
const PATTERN_SCAN_CHARS = 256 * 1024;

/** What is wrong with an error answer besides its status: a stack trace or error page, or the API key shown. */
export function leakProblems(ctx: CheckContext, exchange: Exchange): string[] {
  const raw = (exchange.response?.text ?? '').slice(0, PATTERN_SCAN_CHARS);
  // Traces serialised into JSON strings carry escaped line breaks; look at them unescaped too.
  const text = `${raw}\n${raw
    .replace(/\\r\\n|\\n/g, '\n')
    .replace(/\\t/g, '\t')
    .replace(/\\\\/g, '\\')}`;
  const problems = LEAK_PATTERNS.filter(([, pattern]) => pattern.test(text)).map(([name]) => `the body contains ${name}`);
  const form = ctx.keyInAnswer(exchange);
  if (form) problems.push(keyShownProblem(form));
  return problems;
}

export const KEY_SHOWN = 'your server shows your Jakamo API key to anyone who asks';

function keyShownProblem(form: { encoding: string }): string {
  return `the answer shows the API key${form.encoding === 'as is' ? '' : ` (${form.encoding})`}: ${KEY_SHOWN}`;
}

/** Sends `request` with a near-miss credential instead of the key. */
export function sendNearMiss(ctx: CheckContext, miss: NearMiss, request: Omit<ExchangeRequest, 'auth' | 'headers'>): Promise<Exchange> {
  return ctx.send({ ...request, url: withQuery(request.url, miss.query), auth: 'none', headers: miss.headers });
}

export const nearMissesOf = (ctx: CheckContext, severity: Severity) => ctx.nearMisses.filter((miss) => miss.severity === severity);
