/**
 * The apps under fuzz (and under the limit tests), built as their commands build them but in-process: the mock
 * with the test fixture, the adapter (v1 and v2) whose OpenBOM client talks to a mock app through a fake fetch,
 * and the demo's one origin. Every app logs to memory, and every secret it holds is listed for the leak checks.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Hono } from 'hono';
import { createAdapterApp } from '../../../src/adapter/app.js';
import { loadAdapterConfig } from '../../../src/adapter/config.js';
import { createOpenBomClient } from '../../../src/adapter/openbom/index.js';
import { createFileSystemStore } from '../../../src/adapter/supplier-documents/index.js';
import { createDemoApp } from '../../../src/demo/app.js';
import { loadDefaultFixture } from '../../../src/fixtures/load.js';
import { createMockApp, type MockOptions } from '../../../src/mock/app.js';
import type { MockApp } from '../../../src/mock/context.js';
import { createMemoryLogger } from '../../../src/shared/logger.js';
import { APP_KEY, PASSWORD, USERNAME, buildTestFixture } from '../../mock/fixture-builder.js';

export type MemoryLogger = ReturnType<typeof createMemoryLogger>;

/** Secrets seen so far: fixed ones plus every token the mock issues while the fuzz runs. */
export class SecretBook {
  private readonly values = new Set<string>();
  constructor(initial: Iterable<string>) {
    for (const value of initial) this.add(value);
  }
  add(value: unknown): void {
    if (typeof value === 'string' && value.length >= 6) this.values.add(value);
  }
  /** Adds the tokens of a /login or /token/renew answer. */
  async addTokensFrom(response: Response): Promise<void> {
    if (!response.ok) return;
    const body = (await response
      .clone()
      .json()
      .catch(() => undefined)) as { access_token?: unknown; refresh_token?: unknown } | undefined;
    this.add(body?.access_token);
    this.add(body?.refresh_token);
  }
  /** The secrets that occur in a text. */
  foundIn(text: string): string[] {
    return [...this.values].filter((secret) => text.includes(secret) || text.includes(encodeURIComponent(secret)));
  }
}

export const MOCK_ORIGIN = 'http://openbom.test';

export interface MockTarget {
  app: MockApp;
  logger: MemoryLogger;
  secrets: SecretBook;
  /** Logs the test user in: fresh tokens (each one noted as a secret). */
  login(): Promise<{ access: string; refresh: string }>;
}

/** The mock with the small test fixture and the rate limit off. */
export function createMockTarget(options: Partial<MockOptions> = {}): MockTarget {
  const logger = createMemoryLogger();
  const app = createMockApp({ fixture: buildTestFixture(), rateLimit: 0, logger, ...options });
  const secrets = new SecretBook([APP_KEY, PASSWORD]);
  return {
    app,
    logger,
    secrets,
    async login() {
      const response = await app.request(`${MOCK_ORIGIN}/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-openbom-appkey': APP_KEY },
        body: JSON.stringify({ username: USERNAME, password: PASSWORD }),
      });
      await secrets.addTokensFrom(response);
      const { access_token, refresh_token } = (await response.json()) as { access_token: string; refresh_token: string };
      return { access: access_token, refresh: refresh_token };
    },
  };
}

export const ADAPTER_ORIGIN = 'http://adapter.test';
export const API_KEY_HEADER = 'X-API-KEY';
export const API_KEY = 'fuzz-jakamo-key-current-7f3a';
export const ROTATED_API_KEY = 'fuzz-jakamo-key-previous-91c4';

export interface AdapterTarget {
  app: Hono;
  /** The adapter's log and the mock's behind it. */
  loggers: MemoryLogger[];
  secrets: SecretBook;
  /** Entries that appeared beside the document store or in the directories above it, up to the temporary root (should be none). */
  strayFiles(): Promise<string[]>;
  close(): Promise<void>;
}

/**
 * The adapter as `serve` builds it (API keys, default mapping, v2 documents on the filesystem store), its OpenBOM
 * client talking to an in-process mock with the default fixture. The client's own rate limit is lifted: the fuzz
 * is about inputs, and the limiter has its own tests.
 */
export async function createAdapterTarget(): Promise<AdapterTarget> {
  const fixture = loadDefaultFixture();
  const user = fixture.account.users[0]!;
  const appKey = fixture.account.appKeys[0]!;
  const mockLogger = createMemoryLogger();
  const adapterLogger = createMemoryLogger();
  const mock = createMockApp({ fixture, rateLimit: 0, logger: mockLogger });
  const secrets = new SecretBook([API_KEY, ROTATED_API_KEY, appKey, user.password]);
  const mockFetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    const response = await mock.request(request);
    if (/\/(login|token\/renew)$/.test(new URL(request.url).pathname)) await secrets.addTokensFrom(response);
    return response;
  }) as typeof fetch;

  // The store sits three levels below a fresh directory, so a path that climbs out of it lands where strayFiles() looks.
  const root = await mkdtemp(join(tmpdir(), 'jk-fuzz-adapter-'));
  const levels = ['a', 'b', 'documents'];
  const config = loadAdapterConfig({
    flags: { openbomUrl: MOCK_ORIGIN, publicBaseUrl: ADAPTER_ORIGIN, apiKeyHeader: API_KEY_HEADER },
    env: {
      JAKAMO_API_KEYS: `${API_KEY},${ROTATED_API_KEY}`,
      OPENBOM_APP_KEY: appKey,
      OPENBOM_USERNAME: user.username,
      OPENBOM_PASSWORD: user.password,
    },
  });
  const openbom = createOpenBomClient({
    baseUrl: MOCK_ORIGIN,
    appKey,
    username: user.username,
    password: user.password,
    fetch: mockFetch,
    requestsPerSecond: 1_000_000,
    timeoutMs: 5_000,
    maxRetries: 0,
    logger: adapterLogger,
  });
  const supplierDocuments = await createFileSystemStore({ dir: join(root, ...levels) });
  const app = createAdapterApp({ config, openbom, logger: adapterLogger, supplierDocuments });
  return {
    app,
    loggers: [adapterLogger, mockLogger],
    secrets,
    async strayFiles() {
      const stray: string[] = [];
      for (const [depth, expected] of levels.entries()) {
        const dir = join(root, ...levels.slice(0, depth));
        stray.push(...(await readdir(dir)).filter((name) => name !== expected).map((name) => join(dir, name)));
      }
      return stray;
    },
    close: () => rm(root, { recursive: true, force: true }),
  };
}

/** The demo's one origin: its page beside an adapter (the demo's key is public on purpose, so it is no secret here). */
export async function createDemoTarget(): Promise<AdapterTarget & { demo: Hono }> {
  const adapter = await createAdapterTarget();
  const demo = createDemoApp({ adapter: adapter.app, page: { apiKeyHeader: API_KEY_HEADER, apiKey: 'public-demo-key', baseUrl: '' } });
  return { ...adapter, demo };
}
