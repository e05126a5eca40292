/**
 * What every fuzzed answer must satisfy: no 5xx (the fuzz injects no faults), errors as JSON in the API's shape,
 * no stack trace or framework error page (the conformance suite's own patterns), valid against the spec, and no
 * secret in the answer or in any log line written while it was made.
 */
import { LEAK_PATTERNS } from '../../../conformance/checks/support.js';
import { validateResponse, type LoadedSpec } from '../../support/openapi.js';
import type { MemoryLogger, SecretBook } from './targets.js';

export interface Answer {
  /** The method as the app saw it (fetch upper-cases the standard ones). */
  method: string;
  /** The URL as the app saw it (normalised by the URL parser). */
  url: string;
  status: number;
  headers: Headers;
  body: Uint8Array;
}

export interface OracleOptions {
  spec: LoadedSpec;
  secrets: SecretBook;
  /** Answers that carry a secret by design (the mock's token endpoints, its admin state dump). */
  carriesSecretsByDesign?: (answer: Answer) => boolean;
  /** Answers the spec does not describe (the demo's page files); still checked for leaks and secrets. */
  outsideSpec?: (answer: Answer) => boolean;
}

export async function readAnswer(request: Request, response: Response): Promise<Answer> {
  return {
    method: request.method,
    url: request.url,
    status: response.status,
    headers: response.headers,
    body: new Uint8Array(await response.arrayBuffer()),
  };
}

const isJsonType = (contentType: string) => /^application\/([\w.-]+\+)?json\s*(;|$)/i.test(contentType);
const isTextType = (contentType: string) =>
  contentType === '' || isJsonType(contentType) || /^(text\/|application\/(xml|javascript|yaml))/i.test(contentType);

export function answerProblems(answer: Answer, { spec, secrets, carriesSecretsByDesign, outsideSpec }: OracleOptions): string[] {
  const problems: string[] = [];
  const contentType = answer.headers.get('content-type') ?? '';
  const text = new TextDecoder().decode(answer.body);
  let body: unknown = text === '' ? undefined : text;
  if (answer.status >= 500) problems.push(`answered ${answer.status}, and no fault was injected`);
  if (isJsonType(contentType) && text !== '') {
    try {
      body = JSON.parse(text);
    } catch {
      problems.push('the body is labelled JSON but does not parse');
    }
  } else if (answer.status >= 400 && answer.method !== 'HEAD') {
    problems.push(`an error answer that is not JSON (${contentType || 'no Content-Type'})`);
  }

  if (isTextType(contentType)) problems.push(...internalsShownIn(text, body));
  if (!carriesSecretsByDesign?.(answer)) {
    const headerText = [...answer.headers].map(([name, value]) => `${name}: ${value}`).join('\n');
    for (const secret of secrets.foundIn(`${text}\n${headerText}`)) problems.push(`the answer carries the secret ${secret.slice(0, 4)}…`);
  }

  const path = new URL(answer.url).pathname;
  if (outsideSpec?.(answer)) return problems;
  if (answer.status === 414) {
    // A limit of every server, not of one operation: the body must still be the API's error object.
    const validate = spec.validatorAt('/components/schemas/Error');
    if (!validate(body)) problems.push(`the 414 body is not the API's error object: ${JSON.stringify(validate.errors)}`);
  } else {
    const result = validateResponse(spec, answer.method, path, answer.status, body, answer.headers);
    if (!result.ok)
      problems.push(
        `not valid against ${spec.file.split('/').pop()}${result.matched ? ` (${result.matched})` : ''}: ${result.errors.slice(0, 5).join('; ')}`,
      );
  }
  return problems;
}

/** Stack traces and framework error pages in a body (the conformance suite's patterns), its parsed JSON's strings too. */
export function internalsShownIn(text: string, parsed?: unknown): string[] {
  // Traces serialised into JSON strings carry escaped line breaks: the decoded strings are searched too.
  const searched = [text, ...stringsIn(parsed)].join('\n');
  return LEAK_PATTERNS.filter(([, pattern]) => pattern.test(searched)).map(([name]) => `the body contains ${name}`);
}

/** Log lines written since `from` (per logger) that carry a secret. */
export function logProblems(loggers: MemoryLogger[], from: number[], secrets: SecretBook): string[] {
  return loggers.flatMap((logger, index) =>
    logger.lines
      .slice(from[index] ?? 0)
      .flatMap((line) =>
        secrets.foundIn(line).map((secret) => `a log line carries the secret ${secret.slice(0, 4)}…: ${line.slice(0, 300)}`),
      ),
  );
}

export const logMarks = (loggers: MemoryLogger[]): number[] => loggers.map((logger) => logger.lines.length);

/** Throws one readable error for fast-check to report with the shrunk counterexample. */
export function assertNoProblems(problems: string[], answer: Answer | undefined): void {
  if (problems.length === 0) return;
  const preview = answer
    ? `\n  → ${answer.status} ${answer.headers.get('content-type') ?? ''} ${new TextDecoder().decode(answer.body.subarray(0, 400))}`
    : '';
  throw new Error(`${problems.join('\n  ')}${preview}`);
}

function stringsIn(value: unknown, depth = 0): string[] {
  if (typeof value === 'string') return [value];
  if (depth > 50 || value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, child]) => [key, ...stringsIn(child, depth + 1)]);
}

export interface InProcessApp {
  request(request: Request): Response | Promise<Response>;
}

/**
 * Sends one request in-process and checks the answer and the log lines written meanwhile. HEAD is checked through
 * its GET twin (same URL and headers): the same status, and no body of its own.
 */
export async function exchangeAndCheck(
  app: InProcessApp,
  request: Request,
  options: OracleOptions & { loggers: MemoryLogger[] },
): Promise<Answer> {
  const marks = logMarks(options.loggers);
  const twin = request.method === 'HEAD' ? new Request(request.url, { method: 'GET', headers: request.headers }) : undefined;
  const answer = await readAnswer(request, await app.request(request));
  const problems: string[] = [];
  if (twin) {
    const getAnswer = await readAnswer(twin, await app.request(twin));
    if (answer.body.byteLength > 0) problems.push(`HEAD answered with a body of ${answer.body.byteLength} bytes`);
    if (answer.status !== getAnswer.status) problems.push(`HEAD answered ${answer.status} but GET ${getAnswer.status}`);
    problems.push(...answerProblems(getAnswer, options));
  } else {
    problems.push(...answerProblems(answer, options));
  }
  problems.push(...logProblems(options.loggers, marks, options.secrets));
  assertNoProblems(problems, answer);
  return answer;
}
