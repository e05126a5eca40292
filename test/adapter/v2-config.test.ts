/** The v2 settings of `serve`: --data-dir and --max-document-bytes, from flag, environment or YAML (flags win). */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeConfig, loadAdapterConfig, type LoadAdapterConfigOptions } from '../../src/adapter/config.js';
import { UsageError } from '../../src/shared/cli-support.js';

const SECRETS = {
  JAKAMO_API_KEYS: 'v2-config-key-aaaaaaaa',
  OPENBOM_APP_KEY: 'app-key-cccccccc',
  OPENBOM_USERNAME: 'someone@example.com',
  OPENBOM_PASSWORD: 'password-dddddddd',
};
const dir = mkdtempSync(join(tmpdir(), 'jk-v2-config-'));
let files = 0;
function yamlFile(text: string): string {
  const path = join(dir, `config-${++files}.yaml`);
  writeFileSync(path, text);
  return path;
}
const load = (options: LoadAdapterConfigOptions = {}) => loadAdapterConfig({ ...options, env: { ...SECRETS, ...options.env } });

function usageError(options: LoadAdapterConfigOptions): string {
  try {
    load(options);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error('expected a UsageError');
}

describe('v2 supplier-document settings', () => {
  it('default to ./data and 50 MiB', () => {
    const config = load();
    expect(config.dataDir).toBe('./data');
    expect(config.maxDocumentBytes).toBe(52_428_800);
  });

  it('come from the YAML file, then the environment, then the flags', () => {
    const configFile = yamlFile('dataDir: /srv/from-file\nmaxDocumentBytes: 1000\n');
    expect(load({ configFile })).toMatchObject({ dataDir: '/srv/from-file', maxDocumentBytes: 1000 });
    const env = { JAKAMO_DATA_DIR: '/srv/from-env', JAKAMO_MAX_DOCUMENT_BYTES: '2000' };
    expect(load({ configFile, env })).toMatchObject({ dataDir: '/srv/from-env', maxDocumentBytes: 2000 });
    expect(load({ configFile, env, flags: { dataDir: '/srv/from-flag', maxDocumentBytes: '3000' } })).toMatchObject({
      dataDir: '/srv/from-flag',
      maxDocumentBytes: 3000,
    });
  });

  it('are shown by describeConfig', () => {
    expect(describeConfig(load({ flags: { dataDir: '/srv/docs' } }))).toMatchObject({ dataDir: '/srv/docs', maxDocumentBytes: 52_428_800 });
  });

  it.each([
    [{ flags: { maxDocumentBytes: '0' } }, '--max-document-bytes: must be a whole number above 0'],
    [{ flags: { maxDocumentBytes: '12MB' } }, '--max-document-bytes: must be a whole number above 0'],
    [{ env: { JAKAMO_MAX_DOCUMENT_BYTES: '-5' } }, 'JAKAMO_MAX_DOCUMENT_BYTES: must be a whole number above 0'],
    [{ flags: { dataDir: '  ' } }, '--data-dir: must not be empty'],
  ] as Array<[LoadAdapterConfigOptions, string]>)('refuse %j on one line', (options, message) => {
    expect(usageError(options)).toBe(message);
  });

  it('refuse wrong types in the YAML file, naming the setting', () => {
    expect(usageError({ configFile: yamlFile('maxDocumentBytes: lots\n') })).toMatch(
      /:1:19: maxDocumentBytes: must be a whole number above 0$/,
    );
    expect(usageError({ configFile: yamlFile('dataDir: ""\n') })).toMatch(/:1:10: dataDir: must not be empty$/);
  });
});
