/** The public shapes of the conformance suite: options, checks, results and the report (see README.md). */

export type Severity = 'MUST' | 'SHOULD';
export type Status = 'pass' | 'fail' | 'skip';

export interface ConformanceOptions {
  /** What Jakamo is configured with; `{baseUrl}/materials/documents` is queried. */
  baseUrl: string;
  apiKey: string;
  /** Default X-API-KEY. */
  apiKeyHeader?: string;
  /** An item number that has files (links are checked on its listing). */
  material: string;
  /** A revision of `material`; without it the listing without a revision (the latest) is checked. */
  revision?: string;
  /** A second revision whose files differ from `revision`'s; enables `revision.differs`. */
  otherRevision?: string;
  /** An item number that does not exist; default a random, unlikely one. */
  unknownMaterial?: string;
  /** Run only these check ids (a trailing `*` selects by prefix, e.g. `input.hostile-*`). */
  only?: string[];
  /** SHOULD failures count as failures instead of warnings. */
  strict?: boolean;
  /** Other origins of the integrator where links may point (e.g. https://files.example.com); links there are downloaded with the key, as Jakamo would. */
  allowLinkOrigins?: string[];
  /** Per request; default 10000. */
  timeoutMs?: number;
  /** p95 budget for `latency.p95`; default 2000. */
  latencyBudgetMs?: number;
  /** Adds the v2 supplier-document checks (`v2.*`); they need `supplier`. */
  v2?: boolean;
  /** A supplier id the v2 checks may create, replace and delete uniquely named documents under (they delete what they create). */
  supplier?: string;
  /** Default the global fetch. */
  fetch?: typeof globalThis.fetch;
  /** Called after each check finishes (progress display). */
  onProgress?: (progress: Progress) => void;
}

export interface Progress {
  done: number;
  total: number;
  result: CheckResult;
}

export interface RecordedRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
}

export interface RecordedResponse {
  status: number;
  headers: Record<string, string>;
  /** Text as received (truncated), or a placeholder for binary content. */
  body: string;
  /** Bytes read; reading stops early for downloads and very large bodies. */
  bodyBytes: number;
  truncated: boolean;
}

export interface CheckResult {
  id: string;
  severity: Severity;
  status: Status;
  title: string;
  message: string;
  /** On failures: what a Jakamo user sees, in Jakamo's words where Jakamo has any; absent where the contract does not say (v2). */
  jakamoUserSees?: string;
  /** The rule the check enforces, cited from the File Callback API contract. */
  why: string;
  request?: RecordedRequest;
  response?: RecordedResponse;
  durationMs: number;
}

export interface Summary {
  passed: number;
  /** MUST failures, plus SHOULD failures under `strict`. */
  failed: number;
  /** SHOULD failures when not `strict`. */
  warnings: number;
  skipped: number;
}

export interface Report {
  summary: Summary;
  results: CheckResult[];
}
