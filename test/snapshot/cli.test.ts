import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadFixtureFile } from '../../src/fixtures/load.js';
import { CLI_ENTRY, REPO_ROOT, runCli } from '../support/cli.js';
import { OWNER, serveMock, smallFixture, type ServedMock } from './helpers.js';

/** Runs the CLI without blocking this process, which serves the mock it talks to (runCli's spawnSync would deadlock). */
function runCliAsync(args: string[], env: NodeJS.ProcessEnv): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI_ENTRY, ...args], { cwd: REPO_ROOT, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** Every file under dir, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describe('jakamo-kit fixtures snapshot (the built CLI)', () => {
  let mock: ServedMock;
  let work: string;

  // The budget is not these tests' subject (round-trip.test.ts holds a snapshot to OpenBOM's 5/s): the mock allows 50
  // a second and the runs that should finish ask for that much; the interrupted run keeps the default 5.
  const FAST = ['--requests-per-second', '50'];

  beforeEach(async () => {
    mock = await serveMock(smallFixture(), { rateLimit: 50 });
    work = mkdtempSync(join(tmpdir(), 'snapshot-cli-'));
  });
  afterEach(async () => {
    await mock.close();
    rmSync(work, { recursive: true, force: true });
  });

  const env = { ...process.env, OPENBOM_APP_KEY: OWNER.appKey, OPENBOM_USERNAME: OWNER.username, OPENBOM_PASSWORD: OWNER.password };

  it('writes no secret: not the app key, user name, password or any token, in DIR or in the output', async () => {
    const out = join(work, 'out');
    const result = await runCliAsync(
      ['fixtures', 'snapshot', '--openbom-url', mock.server.url, '--out', out, '--files', '1', ...FAST],
      env,
    );

    expect(result.stderr).not.toMatch(/Error:|at .*\.js:\d+/);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('jakamo-kit mock --fixtures');
    expect(result.stdout).toMatch(/app key snapshot-app-key, user snapshot@example.com, password snapshot-password/);
    // Piped: plain progress lines, no bar.
    expect(result.stderr).toMatch(/^snapshot: \d+\/\d+ items, \d+ files, [\d.]+ requests\/s/m);
    expect(mock.issuedTokens.length).toBeGreaterThan(0);

    const secrets = [OWNER.appKey, OWNER.username, OWNER.password, ...mock.issuedTokens];
    const written = filesUnder(out);
    expect(written.some((path) => path.endsWith('fixture.yaml'))).toBe(true);
    for (const path of written) {
      const bytes = readFileSync(path).toString('latin1');
      for (const secret of secrets) expect(bytes.includes(secret), `${secret} in ${path}`).toBe(false);
    }
    for (const secret of secrets) expect(`${result.stdout}${result.stderr}`.includes(secret), `${secret} in the output`).toBe(false);

    // The account's user, who created every document, is the placeholder user in the snapshot.
    const doc = parse(readFileSync(join(out, 'fixture.yaml'), 'utf8')) as { catalogs: Array<{ createdBy: string }> };
    expect(doc.catalogs[0]!.createdBy).toBe('snapshot@example.com');
    // --files 1: one file per row at most; the others are empty file cells.
    const fixture = loadFixtureFile(join(out, 'fixture.yaml'));
    for (const part of fixture.catalogs[0]!.parts) {
      expect(Object.values(part.row).filter((cell) => cell !== null && typeof cell === 'object').length).toBeLessThanOrEqual(1);
    }
    expect(runCli(['fixtures', 'validate', join(out, 'fixture.yaml')]).status).toBe(0);
  });

  it('Ctrl-C (SIGINT) stops with exit 130, a loadable partial fixture and the hint to --resume; --resume finishes it', async () => {
    const out = join(work, 'out');
    const child = spawn(process.execPath, [CLI_ENTRY, 'fixtures', 'snapshot', '--openbom-url', mock.server.url, '--out', out], {
      cwd: REPO_ROOT,
      env,
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // Interrupt once a few of the catalog's parts have been asked for.
    await expect
      .poll(async () => (await mock.journal()).filter((e) => e.path.includes('/revisions/partnumber/')).length, {
        timeout: 10_000,
        interval: 50,
      })
      .toBeGreaterThan(1);
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(stdout).toContain('--resume');
    loadFixtureFile(join(out, 'fixture.yaml'));

    const resumed = await runCliAsync(['fixtures', 'snapshot', '--openbom-url', mock.server.url, '--out', out, '--resume', ...FAST], env);
    expect(resumed.status).toBe(0);
    expect(resumed.stdout).toMatch(/reused from the earlier run/);
  });

  it('refuses bad input with one line and exit 2', () => {
    const out = join(work, 'out');
    const noCredentials = runCli(['fixtures', 'snapshot', '--openbom-url', mock.server.url, '--out', out], {
      env: { PATH: process.env.PATH },
    });
    expect(noCredentials.status).toBe(2);
    expect(noCredentials.stderr).toBe(
      'jakamo-kit: OPENBOM_APP_KEY, OPENBOM_USERNAME, OPENBOM_PASSWORD are not set (secrets come from the environment only; see --help)\n',
    );
    const badFiles = runCli(['fixtures', 'snapshot', '--openbom-url', mock.server.url, '--out', out, '--files', 'some'], { env });
    expect(badFiles.status).toBe(2);
    expect(badFiles.stderr).toBe('jakamo-kit: --files: must be all, none or a whole number\n');
    const badUrl = runCli(['fixtures', 'snapshot', '--openbom-url', 'ftp://x', '--out', out], { env });
    expect(badUrl.status).toBe(2);
    expect(badUrl.stderr).toBe('jakamo-kit: --openbom-url: must be an absolute http or https URL\n');
    // Every problem at once: a missing flag, a bad list, a URL carrying credentials (never repeated).
    const several = runCli(['fixtures', 'snapshot', '--openbom-url', 'https://me:Hunter2@x.test', '--catalogs', ','], { env });
    expect(several.status).toBe(2);
    expect(several.stderr).toBe(
      'jakamo-kit: --out is not set; --openbom-url: must not carry a query, fragment or credentials; --catalogs: must list at least one id\n',
    );
  });
});
