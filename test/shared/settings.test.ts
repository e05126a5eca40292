/** The settings table (src/shared/settings.ts): one declaration feeding commander, the environment and the YAML file. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, describe, expect, expectTypeOf, it } from 'vitest';
import { UsageError } from '../../src/shared/cli-support.js';
import {
  boolean,
  choice,
  defineSettings,
  integer,
  list,
  nonNegativeInt,
  port,
  positiveInt,
  SettingsError,
  SettingValueError,
  text,
  url,
  type SettingType,
} from '../../src/shared/settings.js';

const dir = mkdtempSync(join(tmpdir(), 'jakamo-kit-settings-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
function yamlFile(content: string): string {
  const path = join(dir, `config-${++files}.yaml`);
  writeFileSync(path, content);
  return path;
}

const table = defineSettings({
  port: { flag: '--port <port>', env: 'JAKAMO_KIT_PORT', yaml: 'port', type: port, default: 8080, help: 'port to listen on' },
  host: { flag: '--host <host>', env: 'JAKAMO_KIT_HOST', yaml: 'host', type: text, default: '127.0.0.1', help: 'address to listen on' },
  publicBaseUrl: {
    flag: '--public-base-url <url>',
    env: 'JAKAMO_KIT_PUBLIC_BASE_URL',
    yaml: 'publicBaseUrl',
    type: url(),
    defaultHelp: 'http://<host>:<port>',
    help: 'base URL of the download links',
  },
  openbomUrl: {
    flag: '--openbom-url <url>',
    env: 'OPENBOM_URL',
    yaml: 'openbom.url',
    type: url(),
    default: 'https://developer-api.openbom.com',
    help: 'OpenBOM API base URL',
  },
  timeoutMs: {
    flag: '--timeout <ms>',
    env: 'OPENBOM_TIMEOUT_MS',
    yaml: 'openbom.timeoutMs',
    type: positiveInt,
    default: 10_000,
    help: 'OpenBOM request timeout in ms',
  },
  catalogs: {
    flag: '--catalogs <ids>',
    env: 'OPENBOM_CATALOGS',
    yaml: 'openbom.catalogs',
    type: list(text),
    default: [] as string[],
    help: 'catalog ids to search',
  },
  retries: {
    env: 'OPENBOM_MAX_RETRIES',
    yaml: 'openbom.maxRetries',
    type: nonNegativeInt,
    default: 3,
    help: 'retries of a failed request',
  },
  reporter: {
    flag: '--reporter <name>',
    yaml: 'reporter',
    type: choice(['pretty', 'json', 'junit']),
    default: 'pretty',
    help: 'report format',
  },
  strict: {
    flag: '--strict',
    env: 'JAKAMO_KIT_STRICT',
    yaml: 'strict',
    type: boolean,
    default: false,
    help: 'SHOULD failures fail the run too',
  },
  material: { flag: '--material <id>', yaml: 'material', type: text, required: true, help: 'an item number that has files' },
  revision: { flag: '--revision <revision>', yaml: 'revision', type: text, help: 'a revision of that item' },
  apiKeys: {
    env: 'JAKAMO_API_KEYS',
    secret: true,
    fingerprint: true,
    required: true,
    type: list(text),
    help: 'the API keys Jakamo may send, comma-separated',
  },
  password: { env: 'OPENBOM_PASSWORD', secret: true, required: true, type: text, help: "the OpenBOM user's password" },
});

const SECRETS = { JAKAMO_API_KEYS: 'Qz81xWcur7,Vb3NcPrev9', OPENBOM_PASSWORD: 'Hunter2Hunter2' };
const resolve = (sources: Parameters<typeof table.resolve>[0]) =>
  table.resolve({ env: SECRETS, ...sources, flags: { material: 'M-1', ...sources.flags } });
/** The one line a failing resolve throws. */
function problemOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(SettingsError);
    expect(error).toBeInstanceOf(UsageError); // exit 2, one line, like every usage error
    expect((error as Error).message).not.toContain('\n');
    return (error as Error).message;
  }
  throw new Error('resolved without a problem');
}

describe('precedence: flag > environment > YAML > default', () => {
  const file = yamlFile('port: 7000\nopenbom:\n  timeoutMs: 3000\n  catalogs: [a, b]\n');

  it('takes each setting from the strongest source that has it', () => {
    const values = resolve({
      flags: { port: '9000' },
      env: { ...SECRETS, JAKAMO_KIT_PORT: '8000', OPENBOM_TIMEOUT_MS: '2000' },
      configFile: file,
    });
    expect(values).toMatchObject({ port: 9000, timeoutMs: 2000, catalogs: ['a', 'b'], host: '127.0.0.1', retries: 3, strict: false });
    expect(resolve({ env: { ...SECRETS, JAKAMO_KIT_PORT: '8000' }, configFile: file }).port).toBe(8000);
    expect(resolve({ configFile: file }).port).toBe(7000);
    expect(resolve({}).port).toBe(8080);
  });

  it('an empty environment variable, or a YAML key without a value, counts as not set', () => {
    const empty = yamlFile('port:\nhost: ~\n');
    expect(resolve({ env: { ...SECRETS, JAKAMO_KIT_PORT: '' }, configFile: empty })).toMatchObject({ port: 8080, host: '127.0.0.1' });
  });

  it('types the values: numbers, lists, booleans, URLs without a trailing slash; optional ones stay undefined', () => {
    const values = resolve({
      flags: { strict: true, catalogs: ' a, ,b ', openbomUrl: 'http://127.0.0.1:4010/' },
      env: { ...SECRETS, OPENBOM_MAX_RETRIES: '0' },
    });
    expect(values).toMatchObject({
      strict: true,
      catalogs: ['a', 'b'],
      openbomUrl: 'http://127.0.0.1:4010',
      retries: 0,
      apiKeys: ['Qz81xWcur7', 'Vb3NcPrev9'],
    });
    expect(values.revision).toBeUndefined();
    expectTypeOf(values.port).toEqualTypeOf<number>();
    expectTypeOf(values.material).toEqualTypeOf<string>();
    expectTypeOf(values.revision).toEqualTypeOf<string | undefined>();
    expectTypeOf(values.reporter).toEqualTypeOf<'pretty' | 'json' | 'junit'>();
    expectTypeOf(values.catalogs).toEqualTypeOf<string[]>();
  });

  it('booleans from the environment by their words, and YAML scalars of any kind as text', () => {
    expect(resolve({ env: { ...SECRETS, JAKAMO_KIT_STRICT: 'no' } }).strict).toBe(false);
    expect(resolve({ env: { ...SECRETS, JAKAMO_KIT_STRICT: 'TRUE' } }).strict).toBe(true);
    expect(resolve({ configFile: yamlFile('strict: true\nrevision: 120\n') })).toMatchObject({ strict: true, revision: '120' });
  });
});

describe('one line naming the source of each problem', () => {
  it('a flag', () => {
    expect(problemOf(() => resolve({ flags: { port: '70000' } }))).toBe('--port: must be a port number from 0 to 65535');
  });

  it('an environment variable', () => {
    expect(problemOf(() => resolve({ env: { ...SECRETS, JAKAMO_KIT_PORT: 'eighty' } }))).toBe(
      'JAKAMO_KIT_PORT: must be a port number from 0 to 65535',
    );
  });

  it('a YAML value, with its line and column', () => {
    const file = yamlFile('host: 0.0.0.0\nopenbom:\n  timeoutMs: soon\n');
    expect(problemOf(() => resolve({ configFile: file }))).toBe(`${file}:3:14: openbom.timeoutMs: must be a whole number above 0`);
  });

  it('a YAML value of the wrong shape', () => {
    const file = yamlFile('reporter: [json]\nopenbom:\n  catalogs: {a: 1}\n');
    expect(problemOf(() => resolve({ configFile: file }))).toBe(
      `${file}:3:13: openbom.catalogs: must be a comma-separated list of non-empty texts; ${file}:1:11: reporter: must be one of pretty, json, junit`,
    );
  });

  it('only the value that wins is judged', () => {
    expect(resolve({ flags: { port: '1' }, env: { ...SECRETS, JAKAMO_KIT_PORT: 'eighty' } }).port).toBe(1);
  });

  it('every problem of a run at once: each missing setting, each bad value', () => {
    const message = problemOf(() => table.resolve({ flags: { port: 'x' }, env: {} }));
    expect(message).toBe(
      '--material or material in the config file, JAKAMO_API_KEYS, OPENBOM_PASSWORD are not set (secrets come from the environment only; see --help); --port: must be a port number from 0 to 65535',
    );
    expect(problemOf(() => table.resolve({ env: SECRETS }))).toBe('--material or material in the config file is not set');
  });

  it('unknown YAML keys, with the known ones; a secret put in the file points at its variable', () => {
    const file = yamlFile('prot: 1\nopenbom:\n  url: https://x.test\n  tiemout: 3\npassword: Hunter2Hunter2\n');
    const message = problemOf(() => resolve({ configFile: file }));
    expect(message).toBe(
      [
        `${file}:1:1: unknown setting "prot" (known: port, host, publicBaseUrl, openbom, reporter, strict, material, revision)`,
        `${file}:4:3: unknown setting "openbom.tiemout" (known: url, timeoutMs, catalogs, maxRetries)`,
        `${file}:5:1: unknown setting "password" (a secret: set OPENBOM_PASSWORD in the environment)`,
      ].join('; '),
    );
    expect(message).not.toContain('Hunter2');
  });

  it('a file that cannot be read, is not YAML, or is not a mapping', () => {
    expect(problemOf(() => resolve({ configFile: join(dir, 'absent.yaml') }))).toBe(
      `--config: cannot read ${join(dir, 'absent.yaml')} (ENOENT)`,
    );
    const broken = yamlFile('port: 1\n  host: [\n');
    expect(problemOf(() => resolve({ configFile: broken }))).toMatch(new RegExp(`^${broken}:\\d+:\\d+: not valid YAML: \\w`));
    const scalar = yamlFile('just text\n');
    expect(problemOf(() => resolve({ configFile: scalar }))).toBe(`${scalar}:1:1: expected a mapping of settings`);
    const duplicate = yamlFile('port: 1\nport: 2\n');
    expect(problemOf(() => resolve({ configFile: duplicate }))).toMatch(new RegExp(`^${duplicate}:2:1: not valid YAML: .*[Uu]nique`));
  });

  it('never shows a secret, even a malformed one', () => {
    const strictSecret = defineSettings({
      token: {
        env: 'JAKAMO_KIT_TOKEN',
        secret: true,
        help: 'a token',
        type: { expected: 'at least 16 characters', parse: (value) => (value.length >= 16 ? value : badValue('at least 16 characters')) },
      },
    });
    expect(problemOf(() => strictSecret.resolve({ env: { JAKAMO_KIT_TOKEN: 'Hunter2' } }))).toBe(
      'JAKAMO_KIT_TOKEN: must be at least 16 characters',
    );
  });
});

function badValue(expected: string): never {
  throw new SettingValueError(`must be ${expected}`);
}

describe('arguments, and rules that depend on the source', () => {
  // As `check <base-url>` would declare it; a Redis URL may carry a password only in the environment.
  const redisUrl: SettingType<string> = {
    expected: 'a redis:// URL',
    parse(value, source) {
      const parsed = url({ protocols: ['redis:', 'rediss:'] }).parse(value, source);
      if (new URL(parsed).password && source !== 'env') throw new SettingValueError('may carry a password only in JAKAMO_KIT_STATE_URL');
      return parsed;
    },
  };
  const withArgument = defineSettings({
    baseUrl: { argument: '<base-url>', yaml: 'baseUrl', type: url(), required: true, help: 'the base URL Jakamo is configured with' },
    stateUrl: { flag: '--state-url <url>', env: 'JAKAMO_KIT_STATE_URL', yaml: 'stateUrl', type: redisUrl, help: 'shared state' },
  });

  it('a positional argument is a source like a flag, named as the argument in errors', () => {
    expect(withArgument.resolve({ flags: { baseUrl: 'https://plm.test/api/' }, env: {} }).baseUrl).toBe('https://plm.test/api');
    expect(withArgument.resolve({ env: {}, configFile: yamlFile('baseUrl: https://yaml.test\n') }).baseUrl).toBe('https://yaml.test');
    expect(problemOf(() => withArgument.resolve({ flags: { baseUrl: 'plm.test' }, env: {} }))).toBe(
      '<base-url>: must be an absolute http or https URL',
    );
    expect(problemOf(() => withArgument.resolve({ env: {} }))).toBe('<base-url> or baseUrl in the config file is not set');
  });

  it('a type sees where a value came from', () => {
    const flags = { baseUrl: 'https://plm.test' };
    expect(withArgument.resolve({ flags, env: { JAKAMO_KIT_STATE_URL: 'redis://:Sekr3tPw@r:6379' } }).stateUrl).toBe(
      'redis://:Sekr3tPw@r:6379',
    );
    expect(problemOf(() => withArgument.resolve({ flags: { ...flags, stateUrl: 'redis://:Sekr3tPw@r:6379' }, env: {} }))).toBe(
      '--state-url: may carry a password only in JAKAMO_KIT_STATE_URL',
    );
    const file = yamlFile('stateUrl: redis://:Sekr3tPw@r:6379\n');
    const inFile = problemOf(() => withArgument.resolve({ flags, env: {}, configFile: file }));
    expect(inFile).toMatch(/^.*:1:11: stateUrl: may carry a password only in JAKAMO_KIT_STATE_URL$/);
    expect(inFile).not.toContain('Sekr3t'); // an error never repeats the value: it may hold a credential
  });
});

describe('describe(): the values as they may be logged', () => {
  it('masks secrets (a fingerprint where asked), shows the rest', () => {
    const described = table.describe(resolve({}));
    const fingerprint = expect.stringMatching(/^sha256:[0-9a-f]{8}$/);
    expect(described).toMatchObject({ port: 8080, password: '****', apiKeys: [fingerprint, fingerprint] });
    expect((described.apiKeys as string[])[0]).not.toBe((described.apiKeys as string[])[1]);
    const text = JSON.stringify(described);
    for (const secret of ['Qz81x', 'Vb3Nc', 'Hunte']) expect(text).not.toContain(secret);
  });
});

describe('commander', () => {
  const command = () => table.addOptions(new Command('serve').exitOverride().configureOutput({ writeOut: () => {}, writeErr: () => {} }));

  it('help shows every flag with its default and its variable in one style, and lists the secrets', () => {
    // Wrapped to the terminal's width: compared with single spaces.
    const help = command().helpInformation().replace(/\s+/g, ' ');
    expect(help).toContain('--port <port>');
    expect(help).toMatch(/port to listen on \(default: 8080, env: JAKAMO_KIT_PORT\)/);
    expect(help).toMatch(/base URL of the download links \(default: http:\/\/<host>:<port>, env: JAKAMO_KIT_PUBLIC_BASE_URL\)/);
    expect(help).toMatch(/catalog ids to search \(default: none, env: OPENBOM_CATALOGS\)/);
    expect(help).toMatch(/report format \(default: pretty\)/);
    expect(help).not.toMatch(/--api-keys|--password/);
    let after = '';
    const shown = command().configureOutput({ writeOut: (text) => (after += text), writeErr: () => {} });
    expect(() => shown.parse(['--help'], { from: 'user' })).toThrow();
    expect(after).toMatch(
      /Secrets, from the environment only:\n\s+JAKAMO_API_KEYS\s+the API keys Jakamo may send, comma-separated \(required\)\n\s+OPENBOM_PASSWORD\s+the OpenBOM user's password \(required\)/,
    );
  });

  it('flagsFrom() keeps only what was typed: not the defaults, not what commander read from the environment', () => {
    const saved = process.env.JAKAMO_KIT_PORT;
    process.env.JAKAMO_KIT_PORT = '1234';
    try {
      const parsed = command().parse(['--host', '0.0.0.0', '--strict', '--catalogs', 'a,b'], { from: 'user' });
      expect(table.flagsFrom(parsed)).toEqual({ host: '0.0.0.0', strict: true, catalogs: 'a,b' });
      // The environment is then read by resolve() itself, with the table's parser and error wording.
      expect(
        table.resolve({ flags: { ...table.flagsFrom(parsed), material: 'M' }, env: { ...SECRETS, JAKAMO_KIT_PORT: '1234' } }),
      ).toMatchObject({ port: 1234, host: '0.0.0.0', catalogs: ['a', 'b'] });
    } finally {
      if (saved === undefined) delete process.env.JAKAMO_KIT_PORT;
      else process.env.JAKAMO_KIT_PORT = saved;
    }
  });
});

describe('types', () => {
  const parse = <T>(type: SettingType<T>, value: string) => type.parse(value, 'flag');
  const refuses = (type: SettingType<unknown>, value: string) => expect(() => type.parse(value, 'flag'), value).toThrow(SettingValueError);

  it('integers: digits only, in range', () => {
    expect(parse(port, '0')).toBe(0);
    expect(parse(port, '65535')).toBe(65535);
    for (const bad of ['65536', '-1', '1.5', '1e3', '0x10', '', ' ', '99999999999999999999']) refuses(port, bad);
    refuses(positiveInt, '0');
    expect(parse(integer({ min: 2, max: 4 }), '3')).toBe(3);
    expect(integer({ min: 2, max: 4 }).expected).toBe('a whole number from 2 to 4');
  });

  it('URLs: absolute, of the allowed schemes', () => {
    expect(parse(url(), 'https://a.test/x/')).toBe('https://a.test/x');
    for (const bad of ['a.test', '/x', 'ftp://a.test', 'javascript:alert(1)']) refuses(url(), bad);
    expect(parse(url({ protocols: ['redis:', 'rediss:'] }), 'redis://r:6379/0')).toBe('redis://r:6379/0');
  });

  it('choices, texts and lists', () => {
    expect(parse(choice(['a', 'b']), 'b')).toBe('b');
    refuses(choice(['a', 'b']), 'c');
    refuses(text, '');
    expect(parse(list(positiveInt), '1, 2,3')).toEqual([1, 2, 3]);
    refuses(list(positiveInt), '1,x');
    expect(list(text).fromYaml!(['a', 2])).toEqual(['a', '2']);
    expect(() => list(text).fromYaml!([{ a: 1 }])).toThrow(SettingValueError);
  });
});

describe('a table that could leak a secret or is ambiguous is refused when it is defined', () => {
  it.each([
    [
      'a secret with a flag',
      { s: { flag: '--s <s>', env: 'S', secret: true, type: text, help: 'h' } },
      /secret: it may come only from the environment/,
    ],
    [
      'a secret in the YAML file',
      { s: { yaml: 's', env: 'S', secret: true, type: text, help: 'h' } },
      /secret: it may come only from the environment/,
    ],
    ['a secret without a variable', { s: { secret: true, type: text, help: 'h' } }, /secret without an environment variable/],
    ['a setting with no source', { s: { type: text, help: 'h' } }, /has no source/],
    [
      'two settings on one variable',
      { a: { env: 'X', type: text, help: 'h' }, b: { env: 'X', type: text, help: 'h' } },
      /X is declared by both a and b/,
    ],
    ['a boolean flag with a value', { b: { flag: '--b <b>', type: boolean, help: 'h' } }, /boolean flag takes no value/],
    ['a value flag without one', { n: { flag: '--n', type: positiveInt, help: 'h' } }, /boolean flag takes no value/],
    [
      'a YAML path inside another',
      { a: { yaml: 'a', type: text, help: 'h' }, b: { yaml: 'a.b', type: text, help: 'h' } },
      /parent of another setting/,
    ],
  ])('%s', (_case, specs, error) => {
    expect(() => defineSettings(specs as never)).toThrow(error);
  });
});

describe('what commands needed beyond the first table', () => {
  const switches = defineSettings({
    retryAfter: { flag: '--no-retry-after', type: boolean, default: true, help: 'send 429 without a Retry-After header' },
    check: { flag: '--check', type: boolean, default: false, help: 'run the suite and exit' },
    seed: { flag: '--seed <n>', type: nonNegativeInt, required: true, help: 'random seed' },
    out: { flag: '--out <dir>', env: 'JAKAMO_KIT_OUT', type: text, required: true, help: 'where to write' },
    ids: { flag: '--ids <ids>', type: list(text, { atLeastOne: 'id' }), defaultHelp: 'all', help: 'ids to copy' },
    baseUrl: { flag: '--base-url <url>', type: url({ base: true }), help: 'where it runs' },
  });
  const command = () => switches.addOptions(new Command('x').exitOverride().configureOutput({ writeOut: () => {}, writeErr: () => {} }));
  const valid = { seed: '1', out: 'dir' };

  it('a --no-x switch is false when given and its default otherwise; switches show no default in help', () => {
    expect(switches.flagsFrom(command().parse(['--no-retry-after', '--check'], { from: 'user' }))).toEqual({
      retryAfter: false,
      check: true,
    });
    expect(switches.resolve({ flags: valid, env: {} })).toMatchObject({ retryAfter: true, check: false });
    const help = command().helpInformation().replace(/\s+/g, ' ');
    expect(help).toContain('--no-retry-after send 429 without a Retry-After header --check run the suite and exit --seed');
    expect(help).not.toContain('default: true');
    expect(help).not.toContain('default: false');
  });

  it('help marks required settings in the same parentheses as defaults and variables', () => {
    const help = command().helpInformation().replace(/\s+/g, ' ');
    expect(help).toContain('random seed (required)');
    expect(help).toContain('where to write (required, env: JAKAMO_KIT_OUT)');
    expect(help).toContain('ids to copy (default: all)');
    // A required setting is checked by resolve(), with every other problem, not by commander.
    expect(() => command().parse([], { from: 'user' })).not.toThrow();
    expect(problemOf(() => switches.resolve({ env: {} }))).toBe('--seed, --out or JAKAMO_KIT_OUT are not set');
  });

  it('texts lose surrounding blanks; a blank one is refused', () => {
    expect(switches.resolve({ flags: { ...valid, out: '  a dir ' }, env: {} }).out).toBe('a dir');
    expect(problemOf(() => switches.resolve({ flags: { ...valid, out: '  ' }, env: {} }))).toBe('--out: must not be empty');
  });

  it('a list may require at least one item, from any source', () => {
    expect(switches.resolve({ flags: { ...valid, ids: 'a, b' }, env: {} }).ids).toEqual(['a', 'b']);
    expect(switches.resolve({ flags: valid, env: {} }).ids).toBeUndefined();
    expect(problemOf(() => switches.resolve({ flags: { ...valid, ids: ' , ' }, env: {} }))).toBe('--ids: must list at least one id');
    expect(() => list(text, { atLeastOne: 'id' }).fromYaml!([])).toThrow('must list at least one id');
  });

  it('a base URL carries no query, fragment or credentials', () => {
    expect(switches.resolve({ flags: { ...valid, baseUrl: 'https://a.test/api/' }, env: {} }).baseUrl).toBe('https://a.test/api');
    for (const bad of ['https://a.test/?x=1', 'https://a.test/#top', 'https://user:Hunter2@a.test/']) {
      const message = problemOf(() => switches.resolve({ flags: { ...valid, baseUrl: bad }, env: {} }));
      expect(message).toBe('--base-url: must not carry a query, fragment or credentials');
    }
  });

  it('a YAML key that looks like a secret points at its variable, however it is spelled', () => {
    for (const key of ['openbom_password', 'Password', 'pass', 'OPENBOM_PASSWORD']) {
      const file = yamlFile(`${key}: Hunter2Hunter2\n`);
      expect(problemOf(() => resolve({ configFile: file }))).toBe(
        `${file}:1:1: unknown setting "${key}" (a secret: set OPENBOM_PASSWORD in the environment)`,
      );
    }
    const file = yamlFile('openbom:\n  apiKey: Qz81xWcur7\n');
    expect(problemOf(() => resolve({ configFile: file }))).toBe(
      `${file}:2:3: unknown setting "openbom.apiKey" (a secret: set JAKAMO_API_KEYS in the environment)`,
    );
  });
});
