import { relative } from 'node:path';
import { isSea } from 'node:sea';
import type { Command } from 'commander';
import { exitCodeFor, renderReport, runConformance } from '../../conformance/index.js';
import { UsageError, parsePort } from '../shared/cli-support.js';
import { createLogger, type Logger } from '../shared/logger.js';
import { stopOnSignals } from '../shared/server.js';
import {
  DEMO_API_KEY,
  DEMO_API_KEY_HEADER,
  DEMO_MATERIAL,
  DEMO_OTHER_REVISION,
  DEMO_REVISION,
  DEMO_SUPPLIER,
  startDemo,
  type RunningDemo,
} from './app.js';

interface DemoFlags {
  port?: number;
  host: string;
  check?: boolean;
}

const DEFAULT_PORT = 8080;

/** `jakamo-kit demo`: mock + adapter + Jakamo's order line page in one command; `--check` makes it a self-test. */
export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description("run the OpenBOM mock, the File Callback adapter on it and a page playing Jakamo's order line, all offline")
    .option('--port <port>', `port of the page and the API (default ${DEFAULT_PORT}; 0 = a free port)`, parsePort)
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--check', 'start on free ports, run the conformance suite against the demo, print the report and exit with its code')
    .action(async (flags: DemoFlags) => {
      if (flags.check) await runSelfCheck(flags);
      else await runInteractive(flags);
    });
}

async function runInteractive(flags: DemoFlags): Promise<void> {
  // Only problems are logged: the page's own panel shows every request and response.
  const logger = problemsOnly(createLogger((line) => process.stderr.write(line)));
  const demo = await start(flags.host, flags.port ?? DEFAULT_PORT, logger);
  process.stdout.write(banner(demo.url));
  stopOnSignals(() => demo.close());
}

async function runSelfCheck(flags: DemoFlags): Promise<void> {
  const demo = await start(flags.host, flags.port ?? 0, problemsOnly(createLogger((line) => process.stderr.write(line))));
  try {
    const report = await runConformance({
      baseUrl: demo.url,
      apiKey: DEMO_API_KEY,
      apiKeyHeader: DEMO_API_KEY_HEADER,
      material: DEMO_MATERIAL,
      revision: DEMO_REVISION,
      otherRevision: DEMO_OTHER_REVISION,
      v2: true,
      supplier: DEMO_SUPPLIER,
    });
    process.stdout.write(renderReport(report, 'pretty', { color: !!process.stdout.isTTY && !process.env.NO_COLOR }));
    process.exitCode = exitCodeFor(report);
  } finally {
    await demo.close();
  }
}

async function start(host: string, port: number, logger: Logger): Promise<RunningDemo> {
  try {
    return await startDemo({ host, port, logger });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new UsageError(`port ${port} on ${host} is already in use (--port 0 picks a free one)`);
    if (code === 'EACCES') throw new UsageError(`not allowed to listen on ${host}:${port}`);
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new UsageError(`cannot listen on ${host} (${code})`);
    throw error;
  }
}

/** What to open, what to paste: the page first (scripts take the first URL printed as the demo's address). */
function banner(url: string): string {
  const listing = `${url}/materials/documents?materialId=${DEMO_MATERIAL}&revision=${DEMO_OTHER_REVISION}`;
  return [
    `jakamo-kit demo: Jakamo's order line at ${url}/`,
    '',
    '  The OpenBOM mock (default fixture) and the File Callback adapter run behind it, all offline.',
    `  Jakamo's settings: api_key_header ${DEMO_API_KEY_HEADER}, api_key ${DEMO_API_KEY}, base URL ${url}`,
    '',
    '  List the example item\'s documents:',
    `    curl -H '${DEMO_API_KEY_HEADER}: ${DEMO_API_KEY}' '${listing}'`,
    '',
    '  Check this server against the File Callback contract:',
    `    JAKAMO_API_KEY=${DEMO_API_KEY} ${ownInvocation()} check ${url} --material ${DEMO_MATERIAL} --revision ${DEMO_REVISION} --other-revision ${DEMO_OTHER_REVISION} --v2 --supplier ${DEMO_SUPPLIER}`,
    '',
    'Ctrl-C stops the demo.',
    '',
  ].join('\n');
}

/** How this kit was started, so the printed command runs as pasted: the single binary, or node with the script. */
function ownInvocation(): string {
  const script = process.argv[1];
  if (isSea() || !script) return process.execPath;
  return `node ${relative(process.cwd(), script) || script}`;
}

function problemsOnly(logger: Logger): Logger {
  return { info() {}, warn: logger.warn, error: logger.error };
}
