import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/shared/cli-support.js';
import { describeConfig, loadAdapterConfig, type LoadAdapterConfigOptions } from '../../src/adapter/config.js';

const SECRETS = {
  JAKAMO_API_KEYS: 'key-one-aaaaaaaa, key-two-bbbbbbbb',
  OPENBOM_APP_KEY: 'app-key-cccccccc',
  OPENBOM_USERNAME: 'someone@example.com',
  OPENBOM_PASSWORD: 'password-dddddddd',
};
const dir = mkdtempSync(join(tmpdir(), 'jk-adapter-config-'));
function yamlFile(text: string): string {
  const path = join(dir, `c${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(path, text);
  return path;
}
const load = (options: LoadAdapterConfigOptions = {}) => loadAdapterConfig({ ...options, env: { ...SECRETS, ...options.env } });

function usageError(options: LoadAdapterConfigOptions): string {
  try {
    load(options);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    const message = (error as Error).message;
    expect(message).not.toContain('\n');
    return message;
  }
  throw new Error('expected a UsageError');
}

describe('loadAdapterConfig', () => {
  it('has the documented defaults', () => {
    const config = load();
    expect(config).toEqual({
      port: 8080,
      host: '127.0.0.1',
      publicBaseUrl: 'http://127.0.0.1:8080',
      apiKeyHeader: 'X-API-KEY',
      apiKeys: ['key-one-aaaaaaaa', 'key-two-bbbbbbbb'],
      cacheTtlSeconds: 60,
      dataDir: './data',
      maxDocumentBytes: 50 * 1024 * 1024,
      openbom: {
        url: 'https://developer-api.openbom.com',
        appKey: 'app-key-cccccccc',
        username: 'someone@example.com',
        password: 'password-dddddddd',
        catalogs: [],
        timeoutMs: 10_000,
        requestsPerSecond: 5,
        maxRetries: 3,
      },
      mapping: { partNumberColumn: 'Part Number', revisionColumn: 'Revision', descriptionColumn: 'Description' },
      state: { url: 'memory', keyPrefix: 'jakamo-kit:' },
    });
  });

  it('lets the environment override the file and flags override both', () => {
    const configFile = yamlFile(
      'port: 9000\nhost: 0.0.0.0\ncacheTtlSeconds: 5\nopenbom:\n  url: http://file.example\n  catalogs: [c1, c2]\n  requestsPerSecond: 2\n',
    );
    const fromFile = load({ configFile });
    expect(fromFile).toMatchObject({ port: 9000, host: '0.0.0.0', cacheTtlSeconds: 5, publicBaseUrl: 'http://0.0.0.0:9000' });
    expect(fromFile.openbom).toMatchObject({ url: 'http://file.example', catalogs: ['c1', 'c2'], requestsPerSecond: 2 });

    const fromEnv = load({ configFile, env: { JAKAMO_PORT: '9100', OPENBOM_URL: 'http://env.example/', OPENBOM_CATALOGS: 'e1' } });
    expect(fromEnv.port).toBe(9100);
    expect(fromEnv.openbom).toMatchObject({ url: 'http://env.example', catalogs: ['e1'], requestsPerSecond: 2 });

    const fromFlags = load({
      configFile,
      env: { JAKAMO_PORT: '9100', OPENBOM_URL: 'http://env.example' },
      flags: {
        port: 9200,
        openbomUrl: 'http://flag.example',
        catalogs: 'f1, f2',
        publicBaseUrl: 'https://jakamo.example.com/files/',
        requestsPerSecond: 3,
      },
    });
    expect(fromFlags).toMatchObject({ port: 9200, publicBaseUrl: 'https://jakamo.example.com/files' });
    expect(fromFlags.openbom).toMatchObject({ url: 'http://flag.example', catalogs: ['f1', 'f2'], requestsPerSecond: 3 });
  });

  it('reads the mapping from the file, a file column typed by its name unless given', () => {
    const configFile = yamlFile(
      'mapping:\n  descriptionColumn: Name\n  files:\n    - column: Drawing\n      type: Technical drawing\n    - column: CAD Model\n',
    );
    expect(load({ configFile }).mapping).toEqual({
      partNumberColumn: 'Part Number',
      revisionColumn: 'Revision',
      descriptionColumn: 'Name',
      files: [
        { column: 'Drawing', type: 'Technical drawing' },
        { column: 'CAD Model', type: 'CAD Model' },
      ],
    });
  });

  it.each([
    [
      'JAKAMO_API_KEYS',
      { JAKAMO_API_KEYS: undefined },
      /^JAKAMO_API_KEYS is not set \(secrets come from the environment only; see --help\)$/,
    ],
    ['OPENBOM_APP_KEY', { OPENBOM_APP_KEY: '' }, /^OPENBOM_APP_KEY is not set /],
    ['OPENBOM_USERNAME', { OPENBOM_USERNAME: undefined }, /^OPENBOM_USERNAME is not set /],
    ['OPENBOM_PASSWORD', { OPENBOM_PASSWORD: '' }, /^OPENBOM_PASSWORD is not set /],
  ])('stops when the secret %s is missing', (_, env, expected) => {
    expect(usageError({ env })).toMatch(expected);
  });

  it('refuses a blank secret, or a key list without a key, without repeating the value', () => {
    expect(usageError({ env: { JAKAMO_API_KEYS: ' , ' } })).toBe('JAKAMO_API_KEYS: must list at least one key');
    expect(usageError({ env: { OPENBOM_PASSWORD: '  ' } })).toBe('OPENBOM_PASSWORD: must not be empty');
  });

  it('names every missing secret, and every other problem, in one line', () => {
    const env = { JAKAMO_API_KEYS: undefined, OPENBOM_APP_KEY: '', OPENBOM_USERNAME: undefined, OPENBOM_PASSWORD: '' };
    expect(usageError({ env })).toBe(
      'JAKAMO_API_KEYS, OPENBOM_APP_KEY, OPENBOM_USERNAME, OPENBOM_PASSWORD are not set (secrets come from the environment only; see --help)',
    );
    expect(usageError({ env: { OPENBOM_APP_KEY: '', OPENBOM_PASSWORD: '' }, flags: { port: 'x' } })).toBe(
      'OPENBOM_APP_KEY, OPENBOM_PASSWORD are not set (secrets come from the environment only; see --help); --port: must be a port number from 0 to 65535',
    );
  });

  it('serves metrics only when a port is set, on 127.0.0.1 unless told, from a flag, the environment or the file', () => {
    expect(load().metrics).toBeUndefined();
    expect(describeConfig(load()).metrics).toBe('off');
    expect(load({ flags: { metricsPort: 9464 } }).metrics).toEqual({ host: '127.0.0.1', port: 9464 });
    expect(load({ env: { JAKAMO_METRICS_PORT: '9465', JAKAMO_METRICS_HOST: '0.0.0.0' } }).metrics).toEqual({ host: '0.0.0.0', port: 9465 });
    const configFile = yamlFile('metrics:\n  port: 9466\n  host: 10.0.0.5\n');
    expect(load({ configFile }).metrics).toEqual({ host: '10.0.0.5', port: 9466 });
    expect(load({ configFile, flags: { metricsPort: '9467' } }).metrics).toEqual({ host: '10.0.0.5', port: 9467 });
  });

  it.each([
    [{ env: { JAKAMO_METRICS_PORT: '99999' } }, 'JAKAMO_METRICS_PORT: must be a port number from 0 to 65535'],
    [{ flags: { metricsPort: 9464, metricsHost: ' ' } }, '--metrics-host: must not be empty'],
    [{ env: { JAKAMO_PORT: 'eighty' } }, 'JAKAMO_PORT: must be a port number from 0 to 65535'],
    [{ env: { OPENBOM_TIMEOUT_MS: '0' } }, 'OPENBOM_TIMEOUT_MS: must be a whole number above 0'],
    [{ env: { OPENBOM_MAX_RETRIES: '-1' } }, 'OPENBOM_MAX_RETRIES: must be a whole number, 0 or more'],
    [{ flags: { publicBaseUrl: 'jakamo.example.com' } }, '--public-base-url: must be an absolute http or https URL'],
    [{ flags: { openbomUrl: 'ftp://x' } }, '--openbom-url: must be an absolute http or https URL'],
    [
      { env: { JAKAMO_PUBLIC_BASE_URL: 'https://u:p@x.example' } },
      'JAKAMO_PUBLIC_BASE_URL: must not carry a query, fragment or credentials',
    ],
    [{ flags: { openbomUrl: 'https://x.example/?a=1' } }, '--openbom-url: must not carry a query, fragment or credentials'],
    [{ flags: { apiKeyHeader: 'X API KEY' } }, '--api-key-header: must be an HTTP header name'],
    [{ flags: { catalogs: ' , ' } }, '--catalogs: must list at least one catalog id'],
    [{ flags: { host: '' } }, '--host: must not be empty'],
  ])('names the invalid setting: %j', (options, message) => {
    expect(usageError(options)).toBe(message);
  });

  it.each([
    ['port: "x"\n', '1:7: port: must be a port number from 0 to 65535'],
    ['openbom:\n  timeoutMs: 0\n', '2:14: openbom.timeoutMs: must be a whole number above 0'],
    [
      'colour: blue\n',
      '1:1: unknown setting "colour" (known: port, host, publicBaseUrl, apiKeyHeader, openbom, cacheTtlSeconds, dataDir, maxDocumentBytes, stateUrl, stateKeyPrefix, metrics, mapping)',
    ],
    ['mapping:\n  files:\n    - type: Drawing\n', '3:5: mapping.files: entry 1: column must be a non-empty text'],
    ['mapping:\n  files:\n    - { column: A, colour: red }\n', '3:5: mapping.files: entry 1: unknown key "colour" (known: column, type)'],
    ['mapping:\n  files: Drawing\n', '2:10: mapping.files: must be a list of { column, type } entries'],
    ['metrics:\n  port: -1\n', '2:9: metrics.port: must be a port number from 0 to 65535'],
    ['metrics:\n  path: /m\n', '2:3: unknown setting "metrics.path" (known: port, host)'],
    ['metrics: 9464\n', '1:10: metrics: must be a mapping'],
    ['openbom:\n  password: hunter2\n', '2:3: unknown setting "openbom.password" (a secret: set OPENBOM_PASSWORD in the environment)'],
    ['apiKeys: [a]\n', '1:1: unknown setting "apiKeys" (a secret: set JAKAMO_API_KEYS in the environment)'],
    [
      'openbom:\n  appKey: hunter2\n  user: me\n',
      '2:3: unknown setting "openbom.appKey" (a secret: set OPENBOM_APP_KEY in the environment); FILE:3:3: unknown setting "openbom.user" (a secret: set OPENBOM_USERNAME in the environment)',
    ],
  ])('validates the file: %j', (text, expected) => {
    const file = yamlFile(text);
    const message = usageError({ configFile: file });
    expect(message).toBe(`${file}:${expected.replaceAll('FILE', file)}`);
    expect(message).not.toContain('hunter2');
  });

  it('says when the file is not YAML', () => {
    const file = yamlFile('port: [\n');
    expect(usageError({ configFile: file })).toMatch(new RegExp(`^${file}:\\d+:\\d+: not valid YAML: `));
  });

  it('says when the file cannot be read', () => {
    expect(usageError({ configFile: join(dir, 'missing.yaml') })).toMatch(/^--config: cannot read .*missing\.yaml \(ENOENT\)$/);
  });

  it('describes the configuration without any secret', () => {
    const text = JSON.stringify(describeConfig(load()));
    for (const secret of ['key-one-aaaaaaaa', 'key-two-bbbbbbbb', 'app-key-cccccccc', 'someone@example.com', 'password-dddddddd']) {
      expect(text).not.toContain(secret);
    }
    expect(text).toContain('"apiKeys":2');
  });
});

describe('adapter.example.yaml', () => {
  it('is a valid config file that states the defaults', () => {
    const fromExample = load({ configFile: 'adapter.example.yaml' });
    expect(fromExample).toEqual(load());
  });
});
