import { isIP } from 'node:net';
import { Option, type Command } from 'commander';
import { loadDefaultFixture, loadFixtureFile } from '../fixtures/load.js';
import type { Fixture } from '../fixtures/types.js';
import { UsageError, parseNonNegativeInt, parsePort, parsePositiveInt } from '../shared/cli-support.js';
import { createLogger } from '../shared/logger.js';
import { listen, stopOnSignals, type RunningServer } from '../shared/server.js';
import { createMockApp } from './app.js';

interface MockFlags {
  port: number;
  host: string;
  fixtures?: string;
  rateLimit: number;
  tokenTtl: number;
  retryAfter: boolean;
  adminToken?: string;
}

/** `jakamo-kit mock`: the OpenBOM mock on a port, until SIGINT/SIGTERM. */
export function registerMockCommand(program: Command): void {
  program
    .command('mock')
    .description('run a faithful, controllable mock of the OpenBOM REST API')
    .option('--port <port>', 'port to listen on', parsePort, 4010)
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--fixtures <file>', 'fixture YAML to serve (default: the embedded fixtures/default.yaml)')
    .option('--rate-limit <n>', 'requests per second per app key, 0 = off', parseNonNegativeInt, 5)
    .option('--token-ttl <seconds>', 'lifetime of access tokens', parsePositiveInt, 86_400)
    .option('--no-retry-after', 'send 429 without a Retry-After header')
    .addOption(
      // From the environment too: a flag's value is visible to anyone who can list processes.
      new Option(
        '--admin-token <token>',
        'require this token (Bearer or X-Admin-Token) on /__admin; required for a non-loopback --host',
      ).env(ADMIN_TOKEN_ENV),
    )
    .action(async (flags: MockFlags) => {
      if (flags.adminToken === '') throw new UsageError(`--admin-token (or ${ADMIN_TOKEN_ENV}) must not be empty`);
      if (flags.adminToken === undefined && !isLoopbackHost(flags.host)) {
        throw new UsageError(
          `--host ${flags.host} is reachable from other machines: set --admin-token or ${ADMIN_TOKEN_ENV} to guard /__admin`,
        );
      }
      const fixture = flags.fixtures === undefined ? loadDefaultFixture() : loadFixtureFile(flags.fixtures);
      const app = buildApp(fixture, flags);
      const server = await listenOrExplain(app, flags);
      printBanner(server, fixture, flags);
      stopOnSignals(() => server.close());
    });
}

const ADMIN_TOKEN_ENV = 'JAKAMO_KIT_ADMIN_TOKEN';

/** Only the loopback interface keeps an unguarded admin API to this machine. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (bare === 'localhost') return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  if (isIP(bare) === 6) return bare === '::1' || /^::ffff:127\./.test(bare);
  return false;
}

function buildApp(fixture: Fixture, flags: MockFlags) {
  try {
    return createMockApp({
      fixture,
      rateLimit: flags.rateLimit,
      tokenTtlSeconds: flags.tokenTtl,
      retryAfter: flags.retryAfter,
      ...(flags.adminToken === undefined ? {} : { adminToken: flags.adminToken }),
      logger: createLogger((line) => process.stderr.write(line)),
    });
  } catch (error) {
    // The store refuses data the schema cannot express (e.g. a part number twice in one document).
    throw new UsageError(`${flags.fixtures ?? 'fixtures/default.yaml'}: ${(error as Error).message}`);
  }
}

async function listenOrExplain(app: ReturnType<typeof createMockApp>, flags: MockFlags): Promise<RunningServer> {
  try {
    return await listen(app, { host: flags.host, port: flags.port });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new UsageError(`port ${flags.port} on ${flags.host} is already in use`);
    if (code === 'EACCES') throw new UsageError(`not allowed to listen on ${flags.host}:${flags.port}`);
    throw new UsageError(`cannot listen on ${flags.host}:${flags.port} (${code ?? (error as Error).message})`);
  }
}

/** The fixture's demo credentials are printed on purpose (they are what a developer types next); tokens never are. */
function printBanner(server: RunningServer, fixture: Fixture, flags: MockFlags): void {
  const user = fixture.account.users[0];
  const lines = [
    `OpenBOM mock listening on ${server.url}`,
    `  app key:    ${fixture.account.appKeys[0] ?? '(none in the fixture)'}`,
    `  username:   ${user?.username ?? '(none in the fixture)'}`,
    `  password:   ${user?.password ?? ''}`,
    `  admin:      ${server.url}/__admin${flags.adminToken === undefined ? '' : ' (admin token required)'}`,
    `  rate limit: ${flags.rateLimit === 0 ? 'off' : `${flags.rateLimit} requests/s per app key`}; tokens live ${flags.tokenTtl} s`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}
