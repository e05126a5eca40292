/**
 * The single executable: built once with `node scripts/build-binary.mjs` (a no-op when nothing changed since the last
 * build), copied alone into an empty directory (no node_modules, no source tree) and run from there. The commands
 * are independent processes, so they run concurrently.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

const root = join(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  version: string;
  embeddedNode: { version: string };
};
const execFileAsync = promisify(execFile);

let dir: string;
let binary: string;

beforeAll(async () => {
  await execFileAsync(process.execPath, [join(root, 'scripts/build-binary.mjs')], { cwd: root });
  dir = mkdtempSync(join(tmpdir(), 'jakamo-kit-binary-'));
  binary = join(dir, 'jakamo-kit');
  copyFileSync(join(root, 'dist/jakamo-kit'), binary);
}, 180_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the copied binary in its empty directory with a PATH that holds no node, so nothing outside it can help. */
async function runBinary(args: string[], timeoutMs = 30_000, env: Record<string, string> = {}): Promise<RunResult> {
  try {
    const { stdout, stderr } = await execFileAsync(binary, args, {
      cwd: dir,
      timeout: timeoutMs,
      env: { PATH: '/nonexistent', HOME: dir, NO_COLOR: '1', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number | string; stdout?: string; stderr?: string };
    if (typeof failed.code !== 'number') throw error;
    return { code: failed.code, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

/** The demo prints its page URL first; its origin is the API's base URL. */
function firstPrintedUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      output += chunk;
      const url = /https?:\/\/[^\s/]+/.exec(output)?.[0];
      if (url) resolve(url);
    });
    child.once('exit', (code) => reject(new Error(`demo exited (${code}) before printing its URL: ${output}`)));
  });
}

describe.concurrent('dist/jakamo-kit (single executable)', () => {
  it('embeds the fixtures, the demo page and the specs under their repository paths', () => {
    const config = JSON.parse(readFileSync(join(root, 'dist/sea/sea-config.json'), 'utf8')) as {
      assets: Record<string, string>;
      disableExperimentalSEAWarning: boolean;
    };
    const keys = Object.keys(config.assets);
    expect(keys).toEqual(expect.arrayContaining(['src/demo/page/index.html', 'src/demo/page/app.js', 'src/demo/page/style.css']));
    expect(keys).toContain('spec/jakamo-file-callback.yaml');
    const fixtureFiles = readdirSync(join(root, 'fixtures'), { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => relative(root, join(entry.parentPath, entry.name)).split(sep).join('/'));
    expect(keys.filter((key) => key.startsWith('fixtures/')).sort()).toEqual(fixtureFiles.sort());
    expect(config.disableExperimentalSEAWarning).toBe(true);
  });

  it('prints its help from an empty directory', async () => {
    const result = await runBinary(['--help']);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/^Usage: jakamo-kit /);
  });

  it("prints the package version and the embedded Node, the LTS pinned in package.json (not the build machine's)", async () => {
    const embedded = pkg.embeddedNode.version;
    expect(embedded).toMatch(/^24\.\d+\.\d+$/);
    const result = await runBinary(['--version']);
    expect(result).toEqual({ code: 0, stdout: `${pkg.version} (node v${embedded})\n`, stderr: '' });
  });

  it('passes its own conformance run with `demo --check`', async () => {
    const result = await runBinary(['demo', '--check'], 60_000);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/\b0 failed\b/);
    expect(result.stdout).toContain('revision.differs');
    expect(result.code).toBe(0);
  }, 90_000);

  describe('a running `demo`, started from the empty directory', () => {
    let demo: ChildProcess;
    let url: string;

    beforeAll(async () => {
      demo = spawn(binary, ['demo', '--port', '0'], { cwd: dir, env: { PATH: '/nonexistent' }, stdio: ['ignore', 'pipe', 'pipe'] });
      url = await firstPrintedUrl(demo);
    }, 30_000);

    afterAll(async () => {
      if (demo && demo.exitCode === null) {
        const exited = new Promise((resolve) => demo.once('exit', resolve));
        demo.kill('SIGINT');
        await exited;
      }
    });

    it('serves the page and its files from the embedded assets', async () => {
      for (const file of ['index.html', 'app.js', 'style.css']) {
        const response = await fetch(`${url}/${file === 'index.html' ? '' : file}`);
        expect(response.status).toBe(200);
        expect(await response.text()).toBe(readFileSync(join(root, 'src/demo/page', file), 'utf8'));
      }
    });

    it('passes `check` run against it with the demo key', async () => {
      const result = await runBinary(
        ['check', url, '--material', '55-554354', '--revision', '119', '--other-revision', '120', '--reporter', 'junit'],
        60_000,
        { JAKAMO_API_KEY: 'demo-jakamo-key' },
      );
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/<testsuites[^>]* failures="0"/);
    }, 90_000);

    it('fails `check` with exit code 1 when the key is wrong', async () => {
      const result = await runBinary(['check', url, '--material', '55-554354', '--only', 'listing.*,auth.*'], 60_000, {
        JAKAMO_API_KEY: 'not-the-demo-key',
      });
      expect(result.code).toBe(1);
      expect(result.stdout).toContain('listing.status');
    }, 90_000);
  });

  it('rejects an unknown option with one line and exit code 2', async () => {
    const result = await runBinary(['--no-such-option']);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^jakamo-kit: unknown option/);
  });
});

describe('the source-tree CLI (dist/cli.js)', () => {
  it('prints the package version and the Node it runs on', () => {
    const result = runCli(['--version']);
    expect({ status: result.status, stdout: result.stdout, stderr: result.stderr }).toEqual({
      status: 0,
      stdout: `${pkg.version} (node ${process.version})\n`,
      stderr: '',
    });
  });
});
