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
      flags: { port: 9200, openbomUrl: 'http://flag.example', catalogs: 'f1, f2', publicBaseUrl: 'https://jakamo.example.com/files/', requestsPerSecond: 3 },
    });
    expect(fromFlags).toMatchObject({ port: 9200, publicBaseUrl: 'https://jakamo.example.com/files' });
    expect(fromFlags.openbom).toMatchObject({ url: 'http://flag.example', catalogs: ['f1', 'f2'], requestsPerSecond: 3 });
  });

  it('reads the mapping from the file, a file column typed by its name unless given', () => {
    const configFile = yamlFile('mapping:\n  descriptionColumn: Name\n  files:\n    - column: Drawing\n      type: Technical drawing\n    - column: CAD Model\n');
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
    ['JAKAMO_API_KEYS', { JAKAMO_API_KEYS: ' , ' }, /^JAKAMO_API_KEYS is not set/],
    ['OPENBOM_APP_KEY', { OPENBOM_APP_KEY: '' }, /^OPENBOM_APP_KEY is not set/],
    ['OPENBOM_USERNAME', { OPENBOM_USERNAME: undefined }, /^OPENBOM_USERNAME is not set/],
    ['OPENBOM_PASSWORD', { OPENBOM_PASSWORD: '  ' }, /^OPENBOM_PASSWORD is not set/],
  ])('stops when the secret %s is missing', (_, env, expected) => {
    expect(usageError({ env })).toMatch(expected);
  });

  it.each([
    [{ env: { JAKAMO_PORT: 'eighty' } }, 'JAKAMO_PORT: must be a port number from 0 to 65535'],
    [{ env: { OPENBOM_TIMEOUT_MS: '0' } }, 'OPENBOM_TIMEOUT_MS: must be a whole number above 0'],
    [{ env: { OPENBOM_MAX_RETRIES: '-1' } }, 'OPENBOM_MAX_RETRIES: must be a whole number, 0 or more'],
    [{ flags: { publicBaseUrl: 'jakamo.example.com' } }, '--public-base-url: must be an http(s) URL'],
    [{ flags: { openbomUrl: 'ftp://x' } }, '--openbom-url: must be an http(s) URL'],
    [{ flags: { openbomUrl: 'https://x.example/?a=1' } }, '--openbom-url: must not carry a query, fragment or credentials'],
    [{ flags: { apiKeyHeader: 'X API KEY' } }, '--api-key-header: must be an HTTP header name'],
    [{ flags: { catalogs: ' , ' } }, '--catalogs: must list at least one catalog id (omit it to search all catalogs)'],
    [{ flags: { host: '' } }, '--host: must not be empty'],
  ])('names the invalid setting: %j', (options, message) => {
    expect(usageError(options)).toBe(message);
  });

  it.each([
    ['port: "x"\n', /: port must be integer$/],
    ['openbom:\n  timeoutMs: 0\n', /: openbom\.timeoutMs must be >= 1$/],
    ['colour: blue\n', /: unknown setting "colour"$/],
    ['mapping:\n  files:\n    - type: Drawing\n', /: mapping\.files\.0 must have required property 'column'$/],
    ['openbom:\n  password: hunter2\n', /unknown setting "openbom\.password" \(the password comes from OPENBOM_PASSWORD\)$/],
    ['apiKeys: [a]\n', /unknown setting "apiKeys" \(API keys come from JAKAMO_API_KEYS\)$/],
    ['port: [\n', /is not valid YAML/],
  ])('validates the file: %j', (text, expected) => {
    const message = usageError({ configFile: yamlFile(text) });
    expect(message).toMatch(/^--config: /);
    expect(message).toMatch(expected);
    expect(message).not.toContain('hunter2');
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
