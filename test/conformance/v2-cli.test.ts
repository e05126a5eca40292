/** `jakamo-kit check --v2 --supplier ID` end to end: the real CLI in a child process against the v2 reference server. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../conformance/index.js';
import type { RunningServer } from '../../src/shared/server.js';
import { API_KEY, runCheckCli } from './helpers.js';
import { startV2Reference } from './v2-reference-server.js';

const work = mkdtempSync(join(tmpdir(), 'jk-check-v2-cli-'));

const cli = (args: string[]) => runCheckCli(args, { JAKAMO_API_KEY: API_KEY });

let good: RunningServer;
let broken: RunningServer;

beforeAll(async () => {
  [good, broken] = await Promise.all([
    startV2Reference({ apiKey: API_KEY }),
    startV2Reference({ apiKey: API_KEY, defect: 'duplicate-overwrites' }),
  ]);
});

afterAll(async () => {
  await Promise.all([good.close(), broken.close()]);
  rmSync(work, { recursive: true, force: true });
});

const v2Only = ['--material', 'unused', '--only', 'v2.*'];

describe.concurrent('jakamo-kit check --v2', { timeout: 60_000 }, () => {
  it('runs the v2 checks with --v2 --supplier and exits 0 when they pass', async () => {
    const run = await cli(['check', good.url, ...v2Only, '--v2', '--supplier', '54454543', '--reporter', 'json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as Report;
    expect(report.results.length).toBe(13);
    expect(report.results.every((r) => r.id.startsWith('v2.') && r.status === 'pass')).toBe(true);
  });

  it('reads v2 and supplier from --config', async () => {
    const config = join(work, 'check.yaml');
    writeFileSync(
      config,
      `baseUrl: ${good.url}\nmaterial: unused\nv2: true\nsupplier: 54454543\nonly: v2.cycle,v2.no-key\nreporter: json\n`,
    );
    const run = await cli(['check', '--config', config]);
    expect(run.code).toBe(0);
    expect((JSON.parse(run.stdout) as Report).results.map((r) => [r.id, r.status])).toEqual([
      ['v2.cycle', 'pass'],
      ['v2.no-key', 'pass'],
    ]);
  });

  it('exits 1 and names the check when a v2 rule is broken', async () => {
    const run = await cli(['check', broken.url, ...v2Only, '--v2', '--supplier', '54454543']);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('v2.duplicate');
    expect(run.stdout).not.toContain(API_KEY);
  });

  it.each([
    [['--v2'], 'jakamo-kit: cannot run: the v2 checks need a supplier id to create test documents under (--supplier)'],
    [['--supplier', '54454543', '--only', 'v2.cycle'], 'jakamo-kit: cannot run: v2.cycle: the v2 checks run only with --v2 --supplier ID'],
    [['--v2', '--supplier', 'a/b'], 'jakamo-kit: --supplier: must be a path segment: not empty, no spaces, /, ?, # or %'],
  ])('refuses %j on one line with exit code 2', async (args, message) => {
    const run = await cli(['check', good.url, '--material', 'unused', ...args]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(`${message}\n`);
  });

  it('refuses a v2 setting of the wrong type in --config', async () => {
    const config = join(work, 'bad.yaml');
    writeFileSync(config, `baseUrl: ${good.url}\nmaterial: unused\nv2: maybe\nsupplier: 54454543\n`);
    const run = await cli(['check', '--config', config]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(`jakamo-kit: ${config}:3:5: v2: must be true or false\n`);
  });
});
