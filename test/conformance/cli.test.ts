/** `jakamo-kit check` end to end: the real CLI in a child process against the reference server on a socket. */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen, type RunningServer } from '../../src/shared/server.js';
import { API_KEY } from './helpers.js';
import { MATERIAL, REVISIONS, startReference } from './reference-server.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const work = mkdtempSync(join(tmpdir(), 'jk-check-cli-'));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI from source (as `jakamo-kit …`), piped, without the caller's JAKAMO_API_KEY. */
function cli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((done, failed) => {
    const { JAKAMO_API_KEY: _ignored, NO_COLOR: _alsoIgnored, ...parentEnv } = process.env;
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { cwd: root, env: { ...parentEnv, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', failed);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

let good: RunningServer;
let broken: RunningServer;
let nothingListening: string;

beforeAll(async () => {
  [good, broken] = await Promise.all([startReference({ apiKey: API_KEY }), startReference({ apiKey: API_KEY, defect: 'download-500' })]);
  const closed = await listen({ fetch: () => new Response('') });
  await closed.close();
  nothingListening = closed.url;
});

afterAll(async () => {
  await Promise.all([good.close(), broken.close()]);
});

const material = ['--material', MATERIAL, '--revision', REVISIONS.latest, '--other-revision', REVISIONS.older];

// Each test starts a child process compiling the CLI from source: slow on a busy machine, hence the generous timeout.
describe.concurrent('jakamo-kit check', { timeout: 60_000 }, () => {
  it('exits 0 when every check passes; piped output has no colour', async () => {
    const run = await cli(['check', good.url, '--api-key', API_KEY, ...material]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^\d+ passed, 0 failed, 0 warnings, 0 skipped$/m);
    expect(run.stdout).not.toContain('\u001b[');
    expect(run.stdout).not.toContain(API_KEY);
  });

  it('exits 1 when a MUST check fails, and says what the Jakamo user sees', async () => {
    const run = await cli(['check', broken.url, '--api-key', API_KEY, ...material]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/FAIL {2}links\.download/);
    expect(run.stdout).toContain('Jakamo user sees: "Could not download file."');
  });

  it('exits 2 with one line when nothing is listening', async () => {
    const run = await cli(['check', nothingListening, '--api-key', API_KEY, ...material]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^jakamo-kit: cannot run: cannot reach http:\/\/127\.0\.0\.1:\d+: connection refused \(nothing is listening\)\n$/);
  });

  it('exits 2 naming unknown --only ids', async () => {
    const run = await cli(['check', good.url, '--api-key', API_KEY, ...material, '--only', 'listing.status,links.nope']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^jakamo-kit: cannot run: unknown check id\(s\): links\.nope .*\n$/);
  });

  it('exits 2 for missing or malformed settings', async () => {
    const noMaterial = await cli(['check', good.url, '--api-key', API_KEY]);
    expect(noMaterial.code).toBe(2);
    expect(noMaterial.stderr).toBe('jakamo-kit: check needs --material, an item number that has files\n');
    const badTimeout = await cli(['check', good.url, '--api-key', API_KEY, ...material, '--timeout', 'soon']);
    expect(badTimeout.code).toBe(2);
    expect(badTimeout.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('reads settings from --config and the key from JAKAMO_API_KEY; flags win', async () => {
    const config = join(work, 'check.yaml');
    writeFileSync(config, `baseUrl: ${good.url}\nmaterial: "${MATERIAL}"\nrevision: ${REVISIONS.latest}\notherRevision: ${REVISIONS.older}\nreporter: junit\nonly: [listing.*, auth.*]\n`);
    const run = await cli(['check', '--config', config, '--reporter', 'json'], { JAKAMO_API_KEY: API_KEY });
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.results.map((r: { id: string }) => r.id)).toEqual([
      'listing.status', 'listing.json', 'listing.content-type', 'listing.schema', 'auth.missing-key', 'auth.wrong-key', 'auth.no-login-redirect',
    ]);
    expect(run.stdout).not.toContain(API_KEY);
  });

  it('rejects unknown config settings with one line', async () => {
    const config = join(work, 'typo.yaml');
    writeFileSync(config, 'materal: 55-554354\n');
    const run = await cli(['check', good.url, '--api-key', API_KEY, '--config', config]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^jakamo-kit: config .*typo\.yaml: unknown setting "materal" \(known: .*\)\n$/);
  });

  it('writes the report to --output and still summarises on stdout', async () => {
    const output = join(work, 'report.xml');
    const run = await cli(['check', broken.url, '--api-key', API_KEY, ...material, '--reporter', 'junit', '--output', output]);
    expect(run.code).toBe(1);
    const xml = readFileSync(output, 'utf8');
    expect(xml).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites name="jakamo-kit check" tests="\d+" failures="1"/);
    expect(xml).not.toContain(API_KEY);
    expect(run.stdout).toMatch(/FAIL {2}links\.download/);
    expect(run.stdout).not.toContain('PASS');
    expect(run.stdout).toMatch(/\d+ passed, 1 failed, 0 warnings, 0 skipped\nreport written to .*report\.xml\n$/);
  });
});
