/** `jakamo-kit check` end to end: the real CLI in a child process against the reference server on a socket. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkSettings } from '../../conformance/command.js';
import { listen, type RunningServer } from '../../src/shared/server.js';
import { API_KEY, runCheckCli } from './helpers.js';
import { MATERIAL, REVISIONS, startReference } from './reference-server.js';

const work = mkdtempSync(join(tmpdir(), 'jk-check-cli-'));

/** The key comes from the environment, as documented; the deprecated --api-key flag has its own test. */
const cli = (args: string[], env: Record<string, string> = {}) => runCheckCli(args, { JAKAMO_API_KEY: API_KEY, ...env });

let good: RunningServer;
let broken: RunningServer;
let elsewhere: RunningServer;
let nothingListening: string;

beforeAll(async () => {
  [good, broken, elsewhere] = await Promise.all([
    startReference({ apiKey: API_KEY }),
    startReference({ apiKey: API_KEY, defect: 'download-500' }),
    startReference({ apiKey: API_KEY, defect: 'foreign-link' }),
  ]);
  const closed = await listen({ fetch: () => new Response('') });
  await closed.close();
  nothingListening = closed.url;
});

afterAll(async () => {
  await Promise.all([good.close(), broken.close(), elsewhere.close()]);
});

const material = ['--material', MATERIAL, '--revision', REVISIONS.latest, '--other-revision', REVISIONS.older];

// Each test starts the built CLI as a child process: slow on a busy machine, hence the generous timeout.
describe.concurrent('jakamo-kit check', { timeout: 60_000 }, () => {
  it('exits 0 when every check passes; piped output has no colour', async () => {
    const run = await cli(['check', good.url, ...material]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^\d+ passed, 0 failed, 0 warnings, 0 skipped$/m);
    expect(run.stdout).not.toContain('\u001b[');
    expect(run.stdout).not.toContain(API_KEY);
  });

  it('exits 1 when a MUST check fails, and says what the Jakamo user sees', async () => {
    const run = await cli(['check', broken.url, ...material]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/FAIL {2}links\.download/);
    expect(run.stdout).toContain('Jakamo user sees: "Could not download file."');
  });

  it('exits 2 with one line when nothing is listening', async () => {
    const run = await cli(['check', nothingListening, ...material]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(
      /^jakamo-kit: cannot run: cannot reach http:\/\/127\.0\.0\.1:\d+: connection refused \(nothing is listening\)\n$/,
    );
  });

  it('exits 2 with one plain line when https:// reaches a plain-HTTP server (no OpenSSL text)', async () => {
    const https = good.url.replace('http:', 'https:');
    const run = await cli(['check', https, ...material]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(`jakamo-kit: cannot run: cannot reach ${https}: the server does not speak TLS: try ${good.url}\n`);
  });

  it('exits 2 naming unknown --only ids', async () => {
    const run = await cli(['check', good.url, ...material, '--only', 'listing.status,links.nope']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^jakamo-kit: cannot run: unknown check id\(s\): links\.nope .*\n$/);
  });

  it('exits 2 for missing or malformed settings, all named in one line', async () => {
    const noMaterial = await cli(['check', good.url]);
    expect(noMaterial.code).toBe(2);
    expect(noMaterial.stderr).toBe('jakamo-kit: --material or material in the config file is not set\n');
    const bad = await cli(['check', good.url, ...material, '--timeout', 'soon', '--reporter', 'xml'], { JAKAMO_API_KEY: '' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe(
      'jakamo-kit: JAKAMO_API_KEY is not set (secrets come from the environment only; see --help); ' +
        '--reporter: must be one of pretty, json, junit, html; --timeout: must be a whole number above 0\n',
    );
  });

  it('still accepts the deprecated --api-key, warning in one line that the process list shows it', async () => {
    const run = await cli(['check', good.url, '--api-key', API_KEY, ...material, '--only', 'listing.status'], {
      JAKAMO_API_KEY: 'not-the-key',
    });
    expect(run.code).toBe(0); // the flag wins over the variable, as every flag does
    expect(run.stderr).toBe(
      'jakamo-kit: warning: --api-key shows the key in the process list and shell history; set JAKAMO_API_KEY instead\n',
    );
    expect(run.stdout + run.stderr).not.toContain(API_KEY);
  });

  it('reads settings from --config and the key from JAKAMO_API_KEY; flags win', async () => {
    const config = join(work, 'check.yaml');
    writeFileSync(
      config,
      `baseUrl: ${good.url}\nmaterial: "${MATERIAL}"\nrevision: ${REVISIONS.latest}\notherRevision: ${REVISIONS.older}\nreporter: junit\nonly: [listing.*, auth.*]\n`,
    );
    const run = await cli(['check', '--config', config, '--reporter', 'json']);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.results.map((r: { id: string }) => r.id)).toEqual([
      'listing.status',
      'listing.json',
      'listing.content-type',
      'listing.schema',
      'auth.missing-key',
      'auth.wrong-key',
      'auth.near-miss-key',
      'auth.key-elsewhere',
      'auth.no-login-redirect',
      'auth.key-never-returned',
    ]);
    expect(run.stdout).not.toContain(API_KEY);
  });

  it('rejects unknown config settings with one line', async () => {
    const config = join(work, 'typo.yaml');
    writeFileSync(config, 'materal: 55-554354\n');
    const run = await cli(['check', good.url, '--config', config]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      `jakamo-kit: --material or material in the config file is not set; ${config}:1:1: unknown setting "materal" (known: ${Object.values(
        checkSettings.specs,
      )
        .flatMap((spec) => ('yaml' in spec ? [spec.yaml] : []))
        .join(', ')})\n`,
    );
  });

  it('writes the report to --output and still summarises on stdout', async () => {
    const output = join(work, 'report.xml');
    const run = await cli(['check', broken.url, ...material, '--reporter', 'junit', '--output', output]);
    expect(run.code).toBe(1);
    const xml = readFileSync(output, 'utf8');
    expect(xml).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites name="jakamo-kit check" tests="\d+" failures="1"/);
    expect(xml).not.toContain(API_KEY);
    expect(run.stdout).toMatch(/FAIL {2}links\.download/);
    expect(run.stdout).not.toContain('PASS');
    expect(run.stdout).toMatch(/\d+ passed, 1 failed, 0 warnings, 2 skipped\nreport written to .*report\.xml\n$/);
  });

  it('--allow-link-origin (flag or config) lets links on another origin of yours be downloaded with the key', async () => {
    const other = new URL(elsewhere.url);
    other.hostname = 'localhost';
    const refused = await cli(['check', elsewhere.url, ...material]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/FAIL {2}links\.same-origin/);
    const allowed = await cli(['check', elsewhere.url, ...material, '--allow-link-origin', other.origin]);
    expect(allowed.stdout).toMatch(/^\d+ passed, 0 failed, 0 warnings, 0 skipped$/m);
    expect(allowed.code).toBe(0);
    const config = join(work, 'origins.yaml');
    writeFileSync(config, `allowLinkOrigin: [${other.origin}]\n`);
    const fromConfig = await cli(['check', elsewhere.url, ...material, '--config', config]);
    expect(fromConfig.code).toBe(0);
    const bad = await cli(['check', elsewhere.url, ...material, '--allow-link-origin', `${other.origin}/files`]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe(`jakamo-kit: --allow-link-origin: must be an origin only (scheme, host and port), e.g. ${other.origin}\n`);
  });

  it('writes an HTML report to --output', async () => {
    const output = join(work, 'report.html');
    const run = await cli(['check', broken.url, ...material, '--reporter', 'html', '--output', output]);
    expect(run.code).toBe(1);
    const html = readFileSync(output, 'utf8');
    expect(html).toMatch(/^<!DOCTYPE html>/);
    expect(html).toContain('Not ready: 1 problem(s) Jakamo users would run into');
    expect(html).not.toContain(API_KEY);
  });

  it.each([
    [
      'junit',
      /<testcase classname="jakamo-kit\.run" name="jakamo-kit check could not run"[^>]*>\s*<failure message="cannot run: cannot reach http:\/\/127\.0\.0\.1:\d+: connection refused/,
    ],
    ['json', /"cannotRun": "cannot run: cannot reach http:\/\/127\.0\.0\.1:\d+: connection refused/],
    ['html', /<h1>The check could not run<\/h1><p>cannot run: cannot reach http:\/\/127\.0\.0\.1:\d+: connection refused/],
  ])('when it cannot run, --output still gets a %s report saying why (exit 2)', async (reporter, expected) => {
    const output = join(work, `cannot-run.${reporter}`);
    const run = await cli(['check', nothingListening, ...material, '--reporter', reporter, '--output', output]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^jakamo-kit: cannot run: cannot reach/);
    expect(readFileSync(output, 'utf8')).toMatch(expected);
  });
});
