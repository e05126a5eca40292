/** Shared by the conformance tests: a reference server on a socket, a suite run against it, and the built CLI. */
import { spawnCli } from '../support/cli.js';
import { runConformance } from '../../conformance/index.js';
import type { ConformanceOptions, Report } from '../../conformance/index.js';
import { createAdapterApp } from '../../src/adapter/app.js';
import { loadAdapterConfig } from '../../src/adapter/config.js';
import { openBomClientFromConfig } from '../../src/adapter/openbom/index.js';
import type { SupplierDocumentStore } from '../../src/adapter/supplier-documents/index.js';
import { loadDefaultFixture } from '../../src/fixtures/load.js';
import { createMockApp } from '../../src/mock/app.js';
import { listen, type RunningServer } from '../../src/shared/server.js';
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
  report.results
    .filter((r) => r.status === status)
    .map((r) => r.id)
    .sort();

/**
 * Our own adapter (wired as `serve` wires it) in front of the OpenBOM mock, both on sockets. The mock's rate limit
 * is lifted: the suite's requests are about conformance, not throttling. Close both with `close()`.
 */
export async function startOurAdapter(
  key: string,
  supplierDocuments?: SupplierDocumentStore,
): Promise<{ url: string; close(): Promise<void> }> {
  const mock = await listen(createMockApp({ fixture: loadDefaultFixture(), rateLimit: 0 }));
  // The adapter's public URL is its own socket's: bind first, build the app for that URL, then answer with it.
  const late: { app?: ReturnType<typeof createAdapterApp> } = {};
  const adapter = await listen({ fetch: (request) => late.app?.fetch(request) ?? new Response(null, { status: 503 }) });
  const config = loadAdapterConfig({
    flags: { openbomUrl: mock.url, publicBaseUrl: adapter.url, requestsPerSecond: 1000 },
    env: { JAKAMO_API_KEYS: key, OPENBOM_APP_KEY: 'demo-app-key', OPENBOM_USERNAME: 'demo@example.com', OPENBOM_PASSWORD: 'demo-password' },
  });
  late.app = createAdapterApp({
    config,
    openbom: openBomClientFromConfig(config.openbom),
    ...(supplierDocuments ? { supplierDocuments } : {}),
  });
  return { url: adapter.url, close: async () => void (await Promise.all([adapter.close(), mock.close()])) };
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built `jakamo-kit …args` as a child process, piped, without the caller's JAKAMO_API_KEY or NO_COLOR. */
export function runCheckCli(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  return new Promise((done, failed) => {
    const { JAKAMO_API_KEY: _ignored, NO_COLOR: _alsoIgnored, ...parentEnv } = process.env;
    const child = spawnCli(args, { env: { ...parentEnv, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk) => (stdout += chunk));
    child.stderr?.on('data', (chunk) => (stderr += chunk));
    child.on('error', failed);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}
