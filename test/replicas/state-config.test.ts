/** The `state` setting of `serve`: memory by default, Redis from flag, environment or file, a password only from the environment. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describeConfig, loadAdapterConfig, type LoadAdapterConfigOptions } from '../../src/adapter/config.js';
import { UsageError } from '../../src/shared/cli-support.js';

const SECRETS = {
  JAKAMO_API_KEYS: 'state-config-key-1',
  OPENBOM_APP_KEY: 'app-key-eeeeeeee',
  OPENBOM_USERNAME: 'u@example.com',
  OPENBOM_PASSWORD: 'pw-ffffffff',
};
const dir = mkdtempSync(join(tmpdir(), 'jk-state-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const load = (options: LoadAdapterConfigOptions = {}) => loadAdapterConfig({ ...options, env: { ...SECRETS, ...options.env } });
function configFile(text: string): string {
  const path = join(dir, `c${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(path, text);
  return path;
}
function usageError(options: LoadAdapterConfigOptions): string {
  let caught: unknown;
  try {
    load(options);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(UsageError);
  return (caught as Error).message;
}

describe('the state setting', () => {
  it('is memory with the jakamo-kit: key prefix by default', () => {
    expect(load().state).toEqual({ url: 'memory', keyPrefix: 'jakamo-kit:' });
  });

  it('comes from the file, the environment or a flag, flags winning', () => {
    const file = configFile('stateUrl: redis://file-redis:6379\nstateKeyPrefix: "team-a:"\n');
    expect(load({ configFile: file }).state).toEqual({ url: 'redis://file-redis:6379', keyPrefix: 'team-a:' });
    const env = { JAKAMO_KIT_STATE_URL: 'rediss://env-redis:6380/2', JAKAMO_KIT_STATE_KEY_PREFIX: 'team-b:' };
    expect(load({ configFile: file, env }).state).toEqual({ url: 'rediss://env-redis:6380/2', keyPrefix: 'team-b:' });
    expect(load({ configFile: file, env, flags: { stateUrl: 'memory', stateKeyPrefix: 'team-c:' } }).state).toEqual({
      url: 'memory',
      keyPrefix: 'team-c:',
    });
  });

  it('refuses anything but memory or a redis:// or rediss:// URL, naming the source', () => {
    expect(usageError({ flags: { stateUrl: 'http://redis:6379' } })).toBe('--state-url: must be memory or a redis:// or rediss:// URL');
    expect(usageError({ env: { JAKAMO_KIT_STATE_URL: 'redis' } })).toBe(
      'JAKAMO_KIT_STATE_URL: must be memory or a redis:// or rediss:// URL',
    );
    expect(usageError({ configFile: configFile('stateUrl: Memory\n') })).toMatch(
      /^.*\.yaml:1:11: stateUrl: must be memory or a redis:\/\/ or rediss:\/\/ URL$/,
    );
    expect(usageError({ flags: { stateKeyPrefix: ' ' } })).toBe('--state-key-prefix: must not be empty');
  });

  it('takes a Redis password from the environment only, and never prints it', () => {
    const withPassword = 'redis://:s3cret-redis-pw@redis:6379/0';
    expect(usageError({ flags: { stateUrl: withPassword } })).toBe(
      '--state-url: must not carry a password here (files and command lines leak); set the URL in JAKAMO_KIT_STATE_URL',
    );
    expect(usageError({ configFile: configFile(`stateUrl: "${withPassword}"\n`) })).toContain('set the URL in JAKAMO_KIT_STATE_URL');
    const config = load({ env: { JAKAMO_KIT_STATE_URL: withPassword } });
    expect(config.state.url).toBe(withPassword);
    const described = JSON.stringify(describeConfig(config));
    expect(described).toContain('"state":{"url":"redis://:****@redis:6379/0","keyPrefix":"jakamo-kit:"}');
    expect(described).not.toContain('s3cret-redis-pw');
  });
});
