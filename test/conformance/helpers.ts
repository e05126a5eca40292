/** Shared by the conformance tests: a reference server on a socket and a suite run against it. */
import { runConformance } from '../../conformance/index.js';
import type { ConformanceOptions, Report } from '../../conformance/index.js';
import type { RunningServer } from '../../src/shared/server.js';
import { MATERIAL, REVISIONS, startReference, type ReferenceOptions } from './reference-server.js';

export const API_KEY = 'sk-live-7Hq2mZx9Lw4pR8tVb3Nc';

export async function withReference<T>(options: Partial<ReferenceOptions>, use: (server: RunningServer) => Promise<T>): Promise<T> {
  const server = await startReference({ apiKey: API_KEY, ...options });
  try {
    return await use(server);
  } finally {
    await server.close();
  }
}

/** The options a user would give for the reference server's example part. */
export function referenceOptions(baseUrl: string, extra: Partial<ConformanceOptions> = {}): ConformanceOptions {
  return { baseUrl, apiKey: API_KEY, material: MATERIAL, revision: REVISIONS.latest, otherRevision: REVISIONS.older, ...extra };
}

export function runAgainstReference(options: Partial<ReferenceOptions>, extra: Partial<ConformanceOptions> = {}): Promise<Report> {
  return withReference(options, (server) => runConformance(referenceOptions(server.url, { apiKeyHeader: options.apiKeyHeader, ...extra })));
}

export const idsWith = (report: Report, status: 'pass' | 'fail' | 'skip') =>
  report.results.filter((r) => r.status === status).map((r) => r.id).sort();
