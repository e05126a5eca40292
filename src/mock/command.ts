import { isIP } from 'node:net';
import type { Command } from 'commander';
import { loadDefaultFixture, loadFixtureFile } from '../fixtures/load.js';
import type { Fixture } from '../fixtures/types.js';
import { explainListenError, UsageError } from '../shared/cli-support.js';
import { createLogger } from '../shared/logger.js';
import { listen, stopOnSignals, type RunningServer } from '../shared/server.js';
import { boolean, defineSettings, nonNegativeInt, port, positiveInt, text, type SettingValues } from '../shared/settings.js';
import { createMockApp } from './app.js';

const ADMIN_TOKEN_ENV = 'JAKAMO_KIT_ADMIN_TOKEN';

/** Every setting of `mock`, once: its flag, variable, default and help. */
export const mockSettings = defineSettings({
  port: { flag: '--port <port>', type: port, default: 4010, help: 'port to listen on, 0 = a free one' },
  host: { flag: '--host <host>', type: text, default: '127.0.0.1', help: 'address to listen on' },
  fixtures: { flag: '--fixtures <file>', type: text, defaultHelp: 'the embedded fixtures/default.yaml', help: 'fixture YAML to serve' },
  rateLimit: { flag: '--rate-limit <n>', type: nonNegativeInt, default: 5, help: 'requests per second per app key, 0 = off' },
  tokenTtl: { flag: '--token-ttl <seconds>', type: positiveInt, default: 86_400, help: 'lifetime of access tokens in seconds' },
  retryAfter: { flag: '--no-retry-after', type: boolean, default: true, help: 'send 429 without a Retry-After header' },
  adminToken: {
    // From the environment too: a flag's value is visible to anyone who can list processes.
    flag: '--admin-token <token>',
    env: ADMIN_TOKEN_ENV,
    type: text,
    help: 'require this token (Bearer or X-Admin-Token) on /__admin; required for a non-loopback --host',
  },
});

type MockSettings = SettingValues<typeof mockSettings.specs>;

/** `jakamo-kit mock`: the OpenBOM mock on a port, until SIGINT/SIGTERM. */
export function registerMockCommand(program: Command): void {
  const command = program.command('mock').description('run a faithful, controllable mock of the OpenBOM REST API');
  mockSettings.addOptions(command).action(async () => {
    const settings = mockSettings.resolve({ flags: mockSettings.flagsFrom(command), env: process.env });
    if (settings.adminToken === undefined && !isLoopbackHost(settings.host)) {
      throw new UsageError(
        `--host ${settings.host} is reachable from other machines: set --admin-token or ${ADMIN_TOKEN_ENV} to guard /__admin`,
      );
    }
    const fixture = settings.fixtures === undefined ? loadDefaultFixture() : loadFixtureFile(settings.fixtures);
    const app = buildApp(fixture, settings);
    const server = await listen(app, { host: settings.host, port: settings.port }).catch((error: unknown) => {
      throw explainListenError(error, settings);
    });
    printBanner(server, fixture, settings);
    stopOnSignals(() => server.close());
  });
}

/** Only the loopback interface keeps an unguarded admin API to this machine. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (bare === 'localhost') return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  if (isIP(bare) === 6) return bare === '::1' || /^::ffff:127\./.test(bare);
  return false;
}

function buildApp(fixture: Fixture, settings: MockSettings) {
  try {
    return createMockApp({
      fixture,
      rateLimit: settings.rateLimit,
      tokenTtlSeconds: settings.tokenTtl,
      retryAfter: settings.retryAfter,
      ...(settings.adminToken === undefined ? {} : { adminToken: settings.adminToken }),
      logger: createLogger((line) => process.stderr.write(line)),
    });
  } catch (error) {
    // The store refuses data the schema cannot express (e.g. a part number twice in one document).
    throw new UsageError(`${settings.fixtures ?? 'fixtures/default.yaml'}: ${(error as Error).message}`);
  }
}

/** The fixture's demo credentials are printed on purpose (they are what a developer types next); tokens never are. */
function printBanner(server: RunningServer, fixture: Fixture, settings: MockSettings): void {
  const user = fixture.account.users[0];
  const lines = [
    `OpenBOM mock listening on ${server.url}`,
    `  app key:    ${fixture.account.appKeys[0] ?? '(none in the fixture)'}`,
    `  username:   ${user?.username ?? '(none in the fixture)'}`,
    `  password:   ${user?.password ?? ''}`,
    `  admin:      ${server.url}/__admin${settings.adminToken === undefined ? '' : ' (admin token required)'}`,
    `  rate limit: ${settings.rateLimit === 0 ? 'off' : `${settings.rateLimit} requests/s per app key`}; tokens live ${settings.tokenTtl} s`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}
