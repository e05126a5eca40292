import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, spawnCli } from '../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'jk-mock-cli-'));
const running = new Set<ChildProcessWithoutNullStreams>();
afterAll(() => {
  for (const child of running) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/** This process's environment with `changes` applied; an undefined value removes the variable. */
function environment(changes: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env = { ...process.env, ...changes };
  for (const [name, value] of Object.entries(changes)) if (value === undefined) delete env[name];
  return env;
}

function runToEnd(...args: string[]) {
  return runToEndWith({}, ...args);
}

function runToEndWith(env: NodeJS.ProcessEnv, ...args: string[]) {
  const result = runCli(['mock', ...args], { env: environment(env) });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Starts `jakamo-kit mock`, resolves with the base URL from its first line. */
function start(...args: string[]): Promise<{ child: ChildProcessWithoutNullStreams; url: string; output: () => string }> {
  return startWith({}, ...args);
}

function startWith(
  env: NodeJS.ProcessEnv,
  ...args: string[]
): Promise<{ child: ChildProcessWithoutNullStreams; url: string; output: () => string }> {
  const child = spawnCli(['mock', '--port', '0', ...args], { env: environment(env) }) as ChildProcessWithoutNullStreams;
  running.add(child);
  let stdout = '';
  let stderr = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL line; stderr: ${stderr}`)), 15_000);
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)\n/.exec(stdout);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve({ child, url: match[1], output: () => stdout + stderr });
      }
    });
    child.once('exit', (code) => reject(new Error(`exited ${code}: ${stderr}`)));
  });
}

function exitCode(child: ChildProcessWithoutNullStreams): Promise<number | null> {
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

const DEMO_HEADERS = { 'x-openbom-appkey': 'demo-app-key', 'content-type': 'application/json' };

describe('jakamo-kit mock', () => {
  it('serves the default fixture, prints its credentials but never a token, and stops on SIGTERM with 0', async () => {
    const { child, url, output } = await start();
    const login = await fetch(`${url}/login`, {
      method: 'POST',
      headers: DEMO_HEADERS,
      body: JSON.stringify({ username: 'demo@example.com', password: 'demo-password' }),
    });
    expect(login.status).toBe(200);
    const { access_token } = (await login.json()) as { access_token: string };
    const boms = await fetch(`${url}/boms`, { headers: { ...DEMO_HEADERS, 'x-openbom-accesstoken': access_token } });
    expect(boms.status).toBe(200);
    expect(((await boms.json()) as unknown[]).length).toBe(3);
    const exited = exitCode(child);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const printed = output();
    expect(printed).toContain('app key:    demo-app-key');
    expect(printed).toContain('username:   demo@example.com');
    expect(printed).toContain('password:   demo-password');
    expect(printed).toContain(`admin:      ${url}/__admin`);
    expect(printed).not.toContain(access_token);
  });

  it('honours --rate-limit, --no-retry-after and --admin-token', async () => {
    const { child, url } = await start('--rate-limit', '1', '--no-retry-after', '--admin-token', 'let-me-in');
    const first = await fetch(`${url}/boms`, { headers: DEMO_HEADERS });
    expect(first.status).toBe(401);
    const second = await fetch(`${url}/boms`, { headers: DEMO_HEADERS });
    expect(second.status).toBe(429);
    expect(second.headers.has('retry-after')).toBe(false);
    expect((await fetch(`${url}/__admin/requests`)).status).toBe(401);
    expect((await fetch(`${url}/__admin/requests`, { headers: { authorization: 'Bearer let-me-in' } })).status).toBe(200);
    const exited = exitCode(child);
    child.kill('SIGINT');
    expect(await exited).toBe(0);
  });

  it('takes the admin token from JAKAMO_KIT_ADMIN_TOKEN (kept out of the process list) and never prints it', async () => {
    const { child, url, output } = await startWith({ JAKAMO_KIT_ADMIN_TOKEN: 'from-the-environment' });
    expect((await fetch(`${url}/__admin/requests`)).status).toBe(401);
    expect((await fetch(`${url}/__admin/requests`, { headers: { 'x-admin-token': 'from-the-environment' } })).status).toBe(200);
    const exited = exitCode(child);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(output()).toContain('(admin token required)');
    expect(output()).not.toContain('from-the-environment');
  });

  it('refuses a non-loopback --host without an admin token, on one line with exit 2', () => {
    for (const host of ['0.0.0.0', '::', '192.0.2.10']) {
      const result = runToEndWith({ JAKAMO_KIT_ADMIN_TOKEN: undefined }, '--host', host);
      expect(result.code, host).toBe(2);
      expect(result.stderr).toMatch(/^jakamo-kit: .*--host .* set --admin-token or JAKAMO_KIT_ADMIN_TOKEN.*\n$/);
    }
  });

  it('serves --fixtures FILE and reports a bad one on one line with exit 2', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'account:\n  appKeys: []\n  users: [{ username: u, password: p }]\n');
    const result = runToEnd('--fixtures', bad);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(new RegExp(`^jakamo-kit: ${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2:12: .+\\n$`));
    const missing = runToEnd('--fixtures', join(dir, 'missing.yaml'));
    expect(missing.code).toBe(2);
    expect(missing.stderr.split('\n')).toHaveLength(2);
  });

  it('rejects bad flags with exit 2', () => {
    for (const args of [['--rate-limit', '-1'], ['--token-ttl', '0'], ['--colour'], ['--admin-token', ' ']]) {
      const result = runToEnd(...args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toMatch(/^jakamo-kit: .+\n$/);
    }
    // Every bad value of a run at once, each named by its flag.
    expect(runToEnd('--port', 'x', '--token-ttl', '0')).toMatchObject({
      code: 2,
      stderr: 'jakamo-kit: --port: must be a port number from 0 to 65535; --token-ttl: must be a whole number above 0\n',
    });
  });

  it('says so on one line and exits 2 when the port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const result = runToEnd('--port', String(port));
      expect(result).toMatchObject({
        code: 2,
        stderr: `jakamo-kit: --port: port ${port} on 127.0.0.1 is already in use (0 picks a free one)\n`,
      });
    } finally {
      blocker.close();
    }
  });
});
