/** What every check is made of, and the small judgements several checks share. */
import type { CheckContext } from '../context.js';
import type { Exchange } from '../http.js';
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
  /** Runs after every other check, with nothing else in flight (timing checks). */
  runsAlone?: boolean;
  run(ctx: CheckContext): Promise<Outcome>;
}

export const pass = (message: string, exchange?: Exchange): Outcome => ({ status: 'pass', message, exchange });
export const fail = (message: string, jakamoUserSees: string, exchange?: Exchange): Outcome => ({ status: 'fail', message, jakamoUserSees, exchange });
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

/** Error pages and stack traces of common stacks: they leak internals and show the input reached code that did not expect it. */
export const LEAK_PATTERNS: ReadonlyArray<readonly [string, RegExp]> = [
  ['a Node.js stack trace', /\bat Object\.<anonymous>|\n\s+at (?:async )?(?:[^\n(]+ \()?(?:file:\/\/|node:|\/|[A-Za-z]:\\)[^\n)]*:\d+:\d+\)?/],
  ['a Python traceback', /Traceback \(most recent call last\)/],
  ['a PHP error', /\b(?:Fatal error|Parse error)(?:<\/b>)?:|<b>Warning<\/b>:|\bWarning: .+ on line \d+|Stack trace:\s*#0 |PHP (?:Fatal error|Warning|Notice)/],
  ['a .NET exception', /System\.\w*Exception\b|^ {3}at [\w.`<>[\]]+\.[\w`<>[\]]+\(.*\)/m],
  ['an ASP.NET error page', /Server Error in '.*' Application/],
  ['a Java stack trace', /Exception in thread "|\bat (?:java|javax|jdk|sun|com\.sun|org\.springframework|org\.apache)[\w.$/]*\(|\bjava\.lang\.\w+(?:Exception|Error)\b/],
  ['a Spring error page', /Whitelabel Error Page/],
  ['a Django debug page', /DEBUG = True|You're seeing this error because you have/],
  ['a Rails error page', /ActionController::\w+|ActiveRecord::\w+Error/],
  ['a Go panic', /goroutine \d+ \[running\]|panic: runtime error/],
  ['a database error', /SQLSTATE\[|You have an error in your SQL syntax|ORA-\d{5}|syntax error at or near|unterminated quoted string|SQLiteException|Microsoft OLE DB Provider/i],
];

/** What is wrong with an error answer besides its status: a stack trace or error page, or the API key echoed back. */
export function leakProblems(ctx: CheckContext, exchange: Exchange): string[] {
  const raw = exchange.response?.text ?? '';
  // Traces serialised into JSON strings carry escaped line breaks; look at them unescaped too.
  const text = `${raw}\n${raw.replace(/\\r\\n|\\n/g, '\n').replace(/\\t/g, '\t').replace(/\\\\/g, '\\')}`;
  const problems = LEAK_PATTERNS.filter(([, pattern]) => pattern.test(text)).map(([name]) => `the body contains ${name}`);
  if (ctx.echoesApiKey(exchange)) problems.push('the answer echoes the API key back');
  return problems;
}
