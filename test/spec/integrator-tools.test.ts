/**
 * Our OpenAPI documents are what integrators load into their own tools. Each document is loaded by Prism (a mock
 * server generated from the document) and by Specmatic (a contract stub, which refuses a document it cannot fully
 * read), each started on a free port of 127.0.0.1; a request then gets an answer generated from the document, and
 * that answer must itself satisfy the document. Every tool process is bounded in time and killed afterwards.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectValidResponse, loadSpec } from '../support/openapi.js';
import { java, missing } from '../support/prerequisites.js';

const root = join(import.meta.dirname, '../..');
const STARTUP_MS = 60_000;
const PRISM = join(root, 'node_modules/@stoplight/prism-cli/dist/index.js');
const SPECMATIC_JAR = join(root, 'node_modules/specmatic/specmatic.jar');
/** Answers asked of the Specmatic stub per document: each is generated anew, so one sample could pass by luck. */
const STUB_SAMPLES = 20;

/** One request per document that any faithful generated server must answer 200: a listing with its credentials. */
const DOCUMENTS = [
  {
    file: 'spec/jakamo-file-callback.yaml',
    method: 'GET',
    path: '/materials/documents?materialId=55-554354',
    headers: { 'X-API-KEY': 'integrator-key' },
  },
  {
    file: 'spec/openbom.yaml',
    method: 'GET',
    path: '/bom/bom-1',
    headers: { 'X-OpenBOM-AppKey': 'integrator-app-key', 'X-OpenBOM-AccessToken': 'integrator-token' },
  },
] as const;

interface RunningTool {
  baseUrl: string;
  /** Everything the tool printed so far (stdout and stderr). */
  output: () => string;
}

const started: ChildProcess[] = [];

afterAll(async () => {
  await Promise.all(started.map(stop));
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** Starts a tool and waits until its output says it is listening, or fails with what it printed instead. */
async function startTool(command: string, args: (port: number) => string[], ready: RegExp, failed: RegExp): Promise<RunningTool> {
  const port = await freePort();
  const child = spawn(command, args(port), { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(child);
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${command} did not start within ${STARTUP_MS} ms:\n${output}`)), STARTUP_MS);
    const settle = (error?: Error) => {
      clearTimeout(timer);
      if (error) reject(error);
      else resolve();
    };
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (failed.test(output)) settle(new Error(`the tool refused the document:\n${output}`));
      else if (ready.test(output)) settle();
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => settle(new Error(`${command} exited (${code}) before it was ready:\n${output}`)));
  });
  return { baseUrl: `http://127.0.0.1:${port}`, output: () => output };
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

describe.each(DOCUMENTS)('$file', ({ file, method, path, headers }) => {
  const spec = loadSpec(file);

  describe('Prism', () => {
    let prism: RunningTool;

    beforeAll(async () => {
      prism = await startTool(
        process.execPath,
        (port) => [PRISM, 'mock', '--host', '127.0.0.1', '--port', String(port), file],
        /Prism is listening/,
        /\bfatal\b|Error:/,
      );
    }, STARTUP_MS + 5_000);

    it('loads the document, and its generated mock answers a request with a response the document allows', async () => {
      const response = await fetch(`${prism.baseUrl}${path}`, { method, headers });
      expect(response.status).toBe(200);
      await expectValidResponse(spec, method, path, response);
    });

    it('reads the security requirements: without credentials the generated mock answers 401', async () => {
      const response = await fetch(`${prism.baseUrl}${path}`, { method });
      expect(response.status).toBe(401);
    });
  });
});

// One stub for both documents (their paths do not overlap): one JVM start instead of two.
describe.skipIf(missing(java))('Specmatic', () => {
  let stub: RunningTool;

  beforeAll(async () => {
    stub = await startTool(
      'java',
      (port) => ['-jar', SPECMATIC_JAR, 'stub', '--host', '127.0.0.1', '--port', String(port), ...DOCUMENTS.map(({ file }) => file)],
      /Mock server is running/,
      /Exception in thread/,
    );
  }, STARTUP_MS + 5_000);

  it.each(DOCUMENTS)('loads $file without a problem and stubs it: a request gets a response the document allows', async ({ file, method, path, headers }) => {
    const problems = specmaticProblems(stub.output(), file);
    expect(problems, problems.join('\n')).toEqual([]);
    // The stub makes up each answer anew (links from the document's pattern, strings at random): several samples.
    for (let sample = 0; sample < STUB_SAMPLES; sample++) {
      const response = await fetch(`${stub.baseUrl}${path}`, { method, headers });
      expect(response.status, await response.clone().text()).toBe(200);
      await expectValidResponse(loadSpec(file), method, path, response);
    }
  });

  it('uses every named example: each response example has the request example of its name', () => {
    // Specmatic serves a named response example for the request example of the same name, and ignores it without one.
    const ignored = stub.output().match(/^WARNING: Ignoring response example named .*$/gm) ?? [];
    expect(ignored, ignored.join('\n')).toEqual([]);
  });
});

/**
 * What Specmatic said about one document: a refusal ("Could not load …") or a partial read ("… with some issues"),
 * each with its indented or `>>` detail lines.
 */
function specmaticProblems(output: string, file: string): string[] {
  const problem = /^(?:Could not load (\S+)|WARNING: The OpenAPI file (\S+) was read successfully but with some issues)\n(?:(?:>>.*|\s.*)?\n)*/gm;
  return [...output.matchAll(problem)].filter((match) => (match[1] ?? match[2]) === file).map((match) => match[0].trim());
}
