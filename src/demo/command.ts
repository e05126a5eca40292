import { relative } from 'node:path';
import { isSea } from 'node:sea';
import type { Command } from 'commander';
import { exitCodeFor, renderReport, runConformance } from '../../conformance/index.js';
import { loadFixtureFile } from '../fixtures/load.js';
import { explainListenError, UsageError } from '../shared/cli-support.js';
import { createLogger, type Logger } from '../shared/logger.js';
import { stopOnSignals } from '../shared/server.js';
import { boolean, defineSettings, port, text, type SettingValues } from '../shared/settings.js';
import { DEMO_API_KEY, DEMO_API_KEY_HEADER, DEMO_SUPPLIER, startDemo, type DemoExample, type RunningDemo } from './app.js';

const DEFAULT_PORT = 8080;

/** Every setting of `demo`, once: its flag, default and help. */
export const demoSettings = defineSettings({
  port: {
    flag: '--port <port>',
    type: port,
    defaultHelp: `${DEFAULT_PORT}, a free one with --check`,
    help: 'port of the page and the API, 0 = a free one',
  },
  host: { flag: '--host <host>', type: text, default: '127.0.0.1', help: 'address to listen on' },
  fixtures: {
    flag: '--fixtures <file>',
    type: text,
    defaultHelp: 'the embedded fixtures/default.yaml',
    help: 'fixture the mock serves, e.g. a snapshot of your OpenBOM account',
  },
  check: {
    flag: '--check',
    type: boolean,
    default: false,
    help: 'start on free ports, run the conformance suite against the demo, print the report and exit with its code',
  },
});

type DemoFlags = SettingValues<typeof demoSettings.specs>;

/** `jakamo-kit demo`: mock + adapter + Jakamo's order line page in one command; `--check` makes it a self-test. */
export function registerDemoCommand(program: Command): void {
  const command = program
    .command('demo')
    .description("run the OpenBOM mock, the File Callback adapter on it and a page playing Jakamo's order line, all offline");
  demoSettings.addOptions(command).action(async () => {
    const flags = demoSettings.resolve({ flags: demoSettings.flagsFrom(command), env: process.env });
    if (flags.check) await runSelfCheck(flags);
    else await runInteractive(flags);
  });
}

async function runInteractive(flags: DemoFlags): Promise<void> {
  // Only problems are logged: the page's own panel shows every request and response.
  const logger = problemsOnly(createLogger((line) => process.stderr.write(line)));
  const demo = await start(flags, flags.port ?? DEFAULT_PORT, logger);
  process.stdout.write(banner(demo.url, demo.example, flags.fixtures));
  stopOnSignals(() => demo.close());
}

async function runSelfCheck(flags: DemoFlags): Promise<void> {
  const demo = await start(flags, flags.port ?? 0, problemsOnly(createLogger((line) => process.stderr.write(line))));
  try {
    const example = demo.example;
    if (!example || example.revision === '')
      throw new UsageError(`${flags.fixtures ?? 'the fixture'} has no part with a revision to check with`);
    const report = await runConformance({
      baseUrl: demo.url,
      apiKey: DEMO_API_KEY,
      apiKeyHeader: DEMO_API_KEY_HEADER,
      material: example.material,
      revision: example.revision,
      otherRevision: example.otherRevision,
      v2: true,
      supplier: DEMO_SUPPLIER,
    });
    process.stdout.write(renderReport(report, 'pretty', { color: !!process.stdout.isTTY && !process.env.NO_COLOR }));
    process.exitCode = exitCodeFor(report);
  } finally {
    await demo.close();
  }
}

async function start({ host, fixtures }: DemoFlags, port: number, logger: Logger): Promise<RunningDemo> {
  // An unloadable fixture is a FixtureError: a one-line usage error already.
  const fixture = fixtures === undefined ? undefined : loadFixtureFile(fixtures);
  try {
    return await startDemo({ host, port, logger, ...(fixture ? { fixture } : {}) });
  } catch (error) {
    throw explainListenError(error, { host, port });
  }
}

/** What to open, what to paste: the page first (scripts take the first URL printed as the demo's address). */
function banner(url: string, example: DemoExample | undefined, fixtures: string | undefined): string {
  const lines = [
    `jakamo-kit demo: Jakamo's order line at ${url}/`,
    '',
    `  The OpenBOM mock (${fixtures ?? 'default fixture'}) and the File Callback adapter run behind it, all offline.`,
    `  Jakamo's settings: api_key_header ${DEMO_API_KEY_HEADER}, api_key ${DEMO_API_KEY}, base URL ${url}`,
    '',
  ];
  if (example) {
    const revision = example.otherRevision === '' ? '' : `&revision=${encodeURIComponent(example.otherRevision)}`;
    const listing = `${url}/materials/documents?materialId=${encodeURIComponent(example.material)}${revision}`;
    lines.push("  List the example item's documents:", `    curl -H '${DEMO_API_KEY_HEADER}: ${DEMO_API_KEY}' '${listing}'`, '');
    if (example.revision !== '') {
      lines.push(
        '  Check this server against the File Callback contract:',
        `    JAKAMO_API_KEY=${DEMO_API_KEY} ${ownInvocation()} check ${url} --material '${example.material}' --revision '${example.revision}' --other-revision '${example.otherRevision}' --v2 --supplier ${DEMO_SUPPLIER}`,
        '',
      );
    }
  }
  lines.push('Ctrl-C stops the demo.', '');
  return lines.join('\n');
}

/** How this kit was started, so the printed command runs as pasted: the single binary, or node with the script. */
function ownInvocation(): string {
  const script = process.argv[1];
  if (isSea() || !script) return process.execPath;
  return `node ${relative(process.cwd(), script) || script}`;
}

function problemsOnly(logger: Logger): Logger {
  return { info() {}, warn: (msg, fields) => logger.warn(msg, fields), error: (msg, fields) => logger.error(msg, fields) };
}
