/**
 * The conformance suite as a library: `runConformance(options)` checks any File Callback implementation over HTTP
 * and resolves to the JSON report (see README.md); it rejects with CannotRunError when it cannot run at all.
 */
export { runConformance, exitCodeFor, checkIds } from './runner.js';
export { CannotRunError } from './settings.js';
export { renderReport, renderCannotRun, type ReporterName, type RenderOptions } from './reporters/index.js';
export type {
  CheckResult,
  ConformanceOptions,
  Progress,
  RecordedRequest,
  RecordedResponse,
  Report,
  Severity,
  Status,
  Summary,
} from './types.js';
