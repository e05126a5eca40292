/**
 * One settings table per command (issue 19.2): each command's table feeds its help (defaults and variables shown in
 * one style), the environment and the YAML file with the precedence flag > environment > file > default, and every
 * problem of a run is one line with exit 2 — checked on the built CLI for each command.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { checkSettings, registerCheckCommand } from '../../conformance/command.js';
import { registerServeCommand } from '../../src/adapter/command.js';
import { serveSettings } from '../../src/adapter/config.js';
import { demoSettings, registerDemoCommand } from '../../src/demo/command.js';
import { generateSettings, registerFixturesCommand } from '../../src/fixtures/command.js';
import { mockSettings, registerMockCommand } from '../../src/mock/command.js';
import { boolean, type SettingSpec, type SettingsTable } from '../../src/shared/settings.js';
import { registerSnapshotCommand, snapshotSettings } from '../../src/snapshot/command.js';
import { runCheckCli } from '../conformance/helpers.js';
import { REPO_ROOT, runCli, spawnCli } from '../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'jk-cli-settings-'));
const children = new Set<ChildProcess>();
afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/** The commands as src/cli.ts wires them, without running anything. */
function program(): Command {
  const root = new Command('jakamo-kit');
  for (const register of [registerMockCommand, registerServeCommand, registerFixturesCommand, registerDemoCommand, registerCheckCommand]) {
    register(root);
  }
  registerSnapshotCommand(root.commands.find((command) => command.name() === 'fixtures')!);
  return root;
}
function command(path: string): Command {
  return path.split(' ').reduce((parent, name) => parent.commands.find((child) => child.name() === name)!, program());
}

type AnySpec = SettingSpec<any>;
type AnyTable = SettingsTable<Record<string, AnySpec>>;
const TABLES: Array<[string, AnyTable]> = [
  ['mock', mockSettings],
  ['demo', demoSettings],
  ['fixtures generate', generateSettings],
  ['fixtures snapshot', snapshotSettings],
  ['serve', serveSettings],
  ['check', checkSettings],
];

/** The default as help shows it: none for a switch (present means on). */
function shownDefault(spec: AnySpec): string | undefined {
  if (spec.type === boolean) return undefined;
  if (spec.defaultHelp !== undefined || spec.default === undefined) return spec.defaultHelp;
  return spec.type.format ? spec.type.format(spec.default) : String(spec.default);
}

/** What help must say after a flag's description: "(required, env: X)" or "(default: D, env: X)". */
function expectedExtras(spec: AnySpec): string {
  const byDefault = shownDefault(spec);
  const extras = [
    spec.required ? 'required' : byDefault !== undefined ? `default: ${byDefault}` : undefined,
    spec.env && `env: ${spec.env}`,
  ];
  const shown = extras.filter(Boolean);
  return shown.length === 0 ? '' : ` (${shown.join(', ')})`;
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const env = (changes: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({ PATH: process.env.PATH, ...changes });

describe('help comes from the table, in one style', () => {
  it.each(TABLES)('%s: every flag with its default (or "required") and its variable', (path, table) => {
    const help = command(path).helpInformation().replace(/\s+/g, ' ');
    for (const spec of Object.values(table.specs)) {
      if (!spec.flag) continue;
      expect(help, spec.flag).toContain(`${spec.flag} ${spec.help}${expectedExtras(spec)}`);
    }
  });

  it.each([...TABLES.map(([path]) => path), 'fixtures', 'fixtures validate'])('%s: lower case, no final period', (path) => {
    const described = command(path);
    for (const text of [described.description(), ...described.options.map((option) => option.description)]) {
      // Lower case, unless the first word is a name written otherwise (OpenBOM, YAML).
      expect(text, text).toMatch(/^([a-z]|[A-Z][A-Za-z]*[A-Z]\b)/);
      expect(text, text).not.toMatch(/\.$/);
    }
  });

  it('docs/serve.md lists every setting of serve with its flag, variable, YAML key and default', () => {
    const doc = readFileSync(join(REPO_ROOT, 'docs/serve.md'), 'utf8');
    const code = (text: string | undefined) => (text ? `\`${text}\`` : '');
    for (const spec of Object.values(serveSettings.specs) as AnySpec[]) {
      const row = `| ${code(spec.flag)} | ${code(spec.env)} | ${code(spec.yaml)} | `;
      expect(doc, row).toContain(row);
      const line = doc.split('\n').find((candidate) => candidate.startsWith(row))!;
      const byDefault = spec.required ? 'required' : shownDefault(spec);
      if (byDefault !== undefined) expect(line, row).toMatch(new RegExp(`^${escape(row)}\`?${escape(byDefault)}\`? \\|`));
    }
  });

  it('secrets are listed after the options, from the environment only, never as flags', () => {
    for (const path of ['serve', 'fixtures snapshot']) {
      let shown = '';
      const described = command(path).configureOutput({ writeOut: (text) => (shown += text) });
      described.outputHelp();
      expect(shown).toMatch(
        /\nSecrets, from the environment only:\n(.*\n)? {2}OPENBOM_APP_KEY {2,}the OpenBOM developer application key \(required\)\n/,
      );
      expect(shown).not.toMatch(/--(password|app-key|username|api-keys)\b/);
    }
    expect(runCli(['serve', '--help'], { env: env() }).stdout).toContain('  JAKAMO_API_KEYS   the API keys Jakamo may send');
    const checkHelp = runCli(['check', '--help'], { env: env() }).stdout;
    expect(checkHelp).toMatch(/\nSecrets, from the environment only:\n {2}JAKAMO_API_KEY {2}the API key Jakamo sends \(required\)\n/);
    // The deprecated --api-key is still accepted (with a warning) but no longer offered.
    expect(checkHelp).not.toMatch(/--api-key </);
  });
});

/** Starts `serve`; resolves with the first log line `until` accepts (default: the start-up line); the caller kills it. */
function serveLine(
  args: string[],
  environment: NodeJS.ProcessEnv,
  until = (entry: Record<string, unknown>) => entry.msg === 'jakamo-kit serve listening',
): Promise<Record<string, unknown>> {
  const child = spawnCli(['serve', '--port', '0', '--openbom-url', 'http://127.0.0.1:9', '--max-retries', '0', ...args], {
    env: environment,
  });
  children.add(child);
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const entry = JSON.parse(line) as Record<string, unknown>;
      if (until(entry)) resolve(entry);
    });
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
  });
}
/** The configuration as serve's start-up line shows it (secrets masked). */
const serveStartLine = async (args: string[], environment: NodeJS.ProcessEnv) =>
  (await serveLine(args, environment)).config as Record<string, unknown>;

const SERVE_SECRETS = {
  JAKAMO_API_KEYS: 'cli-settings-key-01',
  OPENBOM_APP_KEY: 'cli-settings-app-key',
  OPENBOM_USERNAME: 'someone@example.com',
  OPENBOM_PASSWORD: 'cli-settings-password',
};

describe('serve: flag > environment > YAML file > default, on the built CLI', () => {
  it('takes each setting from the strongest source that has it', async () => {
    const configFile = join(dir, 'serve.yaml');
    writeFileSync(
      configFile,
      [
        `dataDir: ${join(dir, 'from-file')}`,
        'cacheTtlSeconds: 5',
        'stateKeyPrefix: "from-file:"',
        'openbom:',
        '  timeoutMs: 3000',
        '  requestsPerSecond: 2',
        'mapping:',
        '  descriptionColumn: Name',
      ].join('\n'),
    );
    const config = await serveStartLine(['--config', configFile, '--requests-per-second', '4'], {
      ...env(SERVE_SECRETS),
      OPENBOM_TIMEOUT_MS: '4000',
      OPENBOM_REQUESTS_PER_SECOND: '3',
      JAKAMO_KIT_STATE_KEY_PREFIX: '',
    });
    expect(config).toMatchObject({
      cacheTtlSeconds: 5, // file
      dataDir: join(dir, 'from-file'), // file
      apiKeyHeader: 'X-API-KEY', // default
      openbom: { timeoutMs: 4000, requestsPerSecond: 4, maxRetries: 0, catalogs: 'all' }, // env, flag, flag, default
      mapping: { descriptionColumn: 'Name', partNumberColumn: 'Part Number' }, // file, default
      state: { url: 'memory', keyPrefix: 'from-file:' }, // an empty variable counts as not set
    });
    const printed = JSON.stringify(config);
    for (const secret of Object.values(SERVE_SECRETS)) expect(printed).not.toContain(secret);
  });

  it('names every problem of the run in one line, exit 2: missing secrets, bad values from each source', () => {
    const configFile = join(dir, 'bad.yaml');
    writeFileSync(configFile, 'port: 8080\nopenbom:\n  timeoutMs: soon\n  password: Hunter2Hunter2\n');
    const result = runCli(['serve', '--config', configFile, '--cache-ttl', '-1'], {
      env: env({ JAKAMO_API_KEYS: 'cli-settings-key-01', JAKAMO_METRICS_PORT: '99999' }),
    });
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      [
        'jakamo-kit: OPENBOM_APP_KEY, OPENBOM_USERNAME, OPENBOM_PASSWORD are not set (secrets come from the environment only; see --help)',
        `${configFile}:4:3: unknown setting "openbom.password" (a secret: set OPENBOM_PASSWORD in the environment)`,
        `${configFile}:3:14: openbom.timeoutMs: must be a whole number above 0`,
        '--cache-ttl: must be a whole number, 0 or more',
        'JAKAMO_METRICS_PORT: must be a port number from 0 to 65535\n',
      ].join('; '),
    );
    expect(result.stderr).not.toContain('Hunter2');
  });

  it('adapter.example.yaml starts serve as it documents (the defaults)', async () => {
    const config = await serveStartLine(['--config', 'adapter.example.yaml', '--data-dir', join(dir, 'example')], env(SERVE_SECRETS));
    expect(config).toMatchObject({ host: '127.0.0.1', apiKeyHeader: 'X-API-KEY', cacheTtlSeconds: 60, openbom: { timeoutMs: 10_000 } });
  });
});

describe('serve: a TLS mismatch with OpenBOM is one readable line', () => {
  it('https:// against a plain-HTTP server names --openbom-url, without OpenSSL text', async () => {
    const plain = createHttpServer((_request, response) => response.end('plain HTTP'));
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = plain.address() as AddressInfo;
      const line = await serveLine(
        ['--openbom-url', `https://127.0.0.1:${port}`, '--data-dir', join(dir, 'tls')],
        env(SERVE_SECRETS),
        (entry) => String(entry.msg).startsWith('openbom not usable at start'),
      );
      expect(line.problem).toMatch(/^OpenBOM could not be reached: check --openbom-url \(OPENBOM_URL\)/);
      expect(line.problem).not.toMatch(/SSL|routines|wrong version|\n/i);
    } finally {
      plain.close();
    }
  });
});

describe('check: flag > environment > YAML file > default, on the built CLI', () => {
  /** A File Callback stand-in on 127.0.0.1 that answers `[]` and records what it was sent. */
  async function recordingServer() {
    const requests: Array<{ url: string; headers: Record<string, string | string[] | undefined> }> = [];
    const server = createHttpServer((request, response) => {
      requests.push({ url: request.url!, headers: request.headers });
      response.setHeader('content-type', 'application/json').end('[]');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { requests, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
  }

  it('takes each setting from the strongest source that has it; the key never shows', async () => {
    const server = await recordingServer();
    try {
      const output = join(dir, 'check-report.json');
      const configFile = join(dir, 'check.yaml');
      writeFileSync(
        configFile,
        [`baseUrl: ${server.url}`, 'material: from-the-file', 'apiKeyHeader: X-From-The-File', 'reporter: junit', `output: ${output}`].join(
          '\n',
        ),
      );
      const key = 'cli-settings-check-key';
      // Asynchronously: the server answers from this process.
      const result = await runCheckCli(
        ['check', '--config', configFile, '--material', 'from-the-flag', '--reporter', 'json', '--only', 'listing.status'],
        { JAKAMO_API_KEY: key },
      );
      expect(result.stderr).toBe('');
      const listing = server.requests.find((request) => request.url.startsWith('/materials/documents'));
      expect(listing?.url).toContain('materialId=from-the-flag'); // flag over file
      expect(listing?.headers['x-from-the-file']).toBe(key); // file over default; the key from the environment
      const report = readFileSync(output, 'utf8');
      expect(JSON.parse(report)).toMatchObject({ results: [{ id: 'listing.status' }] }); // flag over file
      expect(report + result.stdout).not.toContain(key);
    } finally {
      server.close();
    }
  });

  it('a secret put in the file is refused without being repeated, and --output still says why', () => {
    const configFile = join(dir, 'check-secret.yaml');
    const output = join(dir, 'check-cannot-run.xml');
    writeFileSync(configFile, 'baseUrl: http://127.0.0.1:9\napiKey: sk-in-a-file-0123456789\n');
    const result = runCli(['check', '--config', configFile, '--reporter', 'junit', '--output', output], { env: env() });
    const problems =
      'JAKAMO_API_KEY, --material or material in the config file are not set (secrets come from the environment only; see --help); ' +
      `${configFile}:2:1: unknown setting "apiKey" (a secret: set JAKAMO_API_KEY in the environment)`;
    expect({ status: result.status, stdout: result.stdout, stderr: result.stderr }).toEqual({
      status: 2,
      stdout: '',
      stderr: `jakamo-kit: ${problems}\n`,
    });
    const report = readFileSync(output, 'utf8');
    expect(report).toMatch(/^<\?xml /);
    expect(report).toContain('JAKAMO_API_KEY, --material or material in the config file are not set');
    expect(report + result.stderr).not.toContain('sk-in-a-file');
  });
});

describe('check: the command demo prints for users to paste', () => {
  it('gives the key in the environment and passes when pasted into a shell', async () => {
    const demo = spawnCli(['demo', '--port', '0'], { env: env() });
    children.add(demo);
    const pasted = await new Promise<string>((resolve, reject) => {
      let next = false;
      createInterface({ input: demo.stdout! }).on('line', (line) => {
        if (next) resolve(line.trim());
        next = line.includes('Check this server against the File Callback contract');
      });
      demo.once('exit', (code) => reject(new Error(`demo exited with ${code}`)));
    });
    expect(pasted).toMatch(/^JAKAMO_API_KEY=\S+ .* check http:\/\/127\.0\.0\.1:\d+ /);
    expect(pasted).not.toMatch(/--api-key /);
    const run = spawn('sh', ['-c', `${pasted} --reporter json`], { cwd: REPO_ROOT, env: env() });
    children.add(run);
    let stdout = '';
    let stderr = '';
    run.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    run.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => run.once('close', resolve));
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(JSON.parse(stdout)).toMatchObject({ summary: { failed: 0 } });
  }, 60_000);
});

describe('mock: a flag wins over its variable', () => {
  it('--admin-token beats JAKAMO_KIT_ADMIN_TOKEN', async () => {
    const child = spawnCli(['mock', '--port', '0', '--admin-token', 'from-the-flag'], {
      env: env({ JAKAMO_KIT_ADMIN_TOKEN: 'from-the-environment' }),
    });
    children.add(child);
    const url = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout! }).on('line', (line) => {
        const match = /listening on (http:\S+)/.exec(line);
        if (match) resolve(match[1]!);
      });
      child.once('exit', (code) => reject(new Error(`mock exited with ${code}`)));
    });
    const admin = (token: string) => fetch(`${url}/__admin/requests`, { headers: { 'x-admin-token': token } });
    expect((await admin('from-the-flag')).status).toBe(200);
    expect((await admin('from-the-environment')).status).toBe(401);
  });
});

async function occupiedPort(): Promise<{ port: number; server: Server }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as { port: number }).port, server };
}

describe('every command: one line, exit 2', () => {
  it.each([
    [
      ['mock', '--port', 'x', '--rate-limit', '-1'],
      '--port: must be a port number from 0 to 65535; --rate-limit: must be a whole number, 0 or more',
    ],
    [['demo', '--port', '65536', '--host', ' '], '--port: must be a port number from 0 to 65535; --host: must not be empty'],
    [['fixtures', 'generate', '--parts', '0'], '--seed is not set; --parts: must be a whole number from 1 to 1000000'],
    [['fixtures', 'validate', ' '], '<file>: must not be empty'],
    [
      [
        'check',
        'ftp://plm.example.com',
        '--timeout',
        '0',
        '--allow-link-origin',
        'https://files.example.com/x',
        '--allow-link-origin',
        'files',
      ],
      'JAKAMO_API_KEY, --material or material in the config file are not set (secrets come from the environment only; see --help); ' +
        '<base-url>: must be an absolute http or https URL; ' +
        '--allow-link-origin: must be an origin only (scheme, host and port), e.g. https://files.example.com; ' +
        '--timeout: must be a whole number above 0',
    ],
    [
      ['fixtures', 'snapshot', '--out', join(dir, 'snap'), '--files', 'some'],
      '--openbom-url, OPENBOM_APP_KEY, OPENBOM_USERNAME, OPENBOM_PASSWORD are not set (secrets come from the environment only; see --help); --files: must be all, none or a whole number',
    ],
  ])('%j', (args, message) => {
    const result = runCli(args, { env: env() });
    expect({ status: result.status, stdout: result.stdout, stderr: result.stderr }).toEqual({
      status: 2,
      stdout: '',
      stderr: `jakamo-kit: ${message}\n`,
    });
  });

  it.each([['mock'], ['demo']])('%s: a busy port names --port', async (name) => {
    const { port, server } = await occupiedPort();
    try {
      const result = runCli([name, '--port', String(port)], { env: env() });
      expect(result.status).toBe(2);
      expect(result.stderr).toBe(`jakamo-kit: --port: port ${port} on 127.0.0.1 is already in use (0 picks a free one)\n`);
    } finally {
      server.close();
    }
  });

  it('an address this machine does not have names --host', () => {
    const result = runCli(['mock', '--port', '0', '--host', '192.0.2.10', '--admin-token', 'x'], { env: env() });
    expect(result.status).toBe(2);
    expect(result.stderr).toBe('jakamo-kit: --host: 192.0.2.10 is not an address of this machine\n');
  });
});
