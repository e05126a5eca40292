/** `jakamo-kit check <base-url> …`: settings from one table (flags, JAKAMO_API_KEY, --config YAML); the report to stdout or --output. */
import { writeFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { UsageError } from '../src/shared/cli-support.js';
import {
  boolean,
  choice,
  defineSettings,
  headerName,
  list,
  positiveInt,
  SettingsError,
  text,
  url,
  type SettingValues,
} from '../src/shared/settings.js';
import { renderCannotRun, renderReport, REPORTERS } from './reporters/index.js';
import { renderPretty } from './reporters/pretty.js';
import { exitCodeFor, runConformance } from './runner.js';
import {
  CannotRunError,
  DEFAULT_API_KEY_HEADER,
  DEFAULT_LATENCY_BUDGET_MS,
  DEFAULT_TIMEOUT_MS,
  linkOrigin,
  supplierId,
} from './settings.js';
import type { ConformanceOptions, Progress } from './types.js';

const API_KEY_ENV = 'JAKAMO_API_KEY';

/** Every setting of `check` once: its flag (or argument), variable, YAML key in --config, type, default and help. */
export const checkSettings = defineSettings({
  baseUrl: {
    argument: '<base-url>',
    yaml: 'baseUrl',
    type: url({ base: true }),
    required: true,
    help: 'the base URL Jakamo is configured with ({base-url}/materials/documents is queried)',
  },
  apiKey: { env: API_KEY_ENV, secret: true, fingerprint: true, required: true, type: text, help: 'the API key Jakamo sends' },
  apiKeyHeader: {
    flag: '--api-key-header <name>',
    yaml: 'apiKeyHeader',
    type: headerName,
    default: DEFAULT_API_KEY_HEADER,
    help: 'header that carries the key',
  },
  material: { flag: '--material <id>', yaml: 'material', type: text, required: true, help: 'an item number that has files' },
  revision: {
    flag: '--revision <revision>',
    yaml: 'revision',
    type: text,
    defaultHelp: 'none, the latest',
    help: 'a revision of that item',
  },
  otherRevision: {
    flag: '--other-revision <revision>',
    yaml: 'otherRevision',
    type: text,
    help: 'a second revision whose files differ (enables revision.differs)',
  },
  unknownMaterial: {
    flag: '--unknown-material <id>',
    yaml: 'unknownMaterial',
    type: text,
    defaultHelp: 'a random one',
    help: 'an item number that does not exist',
  },
  allowLinkOrigin: {
    flag: '--allow-link-origin <origins>',
    yaml: 'allowLinkOrigin',
    type: list(linkOrigin),
    help: 'other origins of yours links may point to, e.g. https://files.example.com; downloaded with the key, as Jakamo would (comma-separated or repeated)',
  },
  reporter: { flag: '--reporter <name>', yaml: 'reporter', type: choice(REPORTERS), default: 'pretty', help: 'report format' },
  output: { flag: '--output <file>', yaml: 'output', type: text, help: 'write the report to a file; a summary still goes to stdout' },
  strict: { flag: '--strict', yaml: 'strict', type: boolean, default: false, help: 'SHOULD failures fail the run too' },
  only: {
    flag: '--only <ids>',
    yaml: 'only',
    type: list(text),
    help: 'check ids to run, comma-separated (a trailing * selects by prefix, e.g. input.*)',
  },
  timeout: { flag: '--timeout <ms>', yaml: 'timeout', type: positiveInt, default: DEFAULT_TIMEOUT_MS, help: 'per request, in ms' },
  latencyBudget: {
    flag: '--latency-budget <ms>',
    yaml: 'latencyBudget',
    type: positiveInt,
    default: DEFAULT_LATENCY_BUDGET_MS,
    help: 'p95 budget of latency.p95, in ms',
  },
  v2: {
    flag: '--v2',
    yaml: 'v2',
    type: boolean,
    default: false,
    help: 'also run the v2 supplier-document checks (v2.*); they create and delete test documents under --supplier',
  },
  supplier: {
    flag: '--supplier <id>',
    yaml: 'supplier',
    type: supplierId,
    help: 'a supplier id the v2 checks may create, replace and delete uniquely named documents under',
  },
});

type CheckSettings = SettingValues<typeof checkSettings.specs>;

export function registerCheckCommand(program: Command): void {
  const command = program
    .command('check')
    .description('check any File Callback implementation against the contract; exit 0 all MUST pass, 1 a check failed, 2 cannot run')
    .argument('[base-url]', checkSettings.specs.baseUrl.help)
    .option('--config <file>', 'YAML file with the same settings as camelCase keys (flags and the environment win)')
    // Kept for scripts written before JAKAMO_API_KEY was the way; hidden from help, warned about when used.
    .addOption(new Option('--api-key <key>', 'deprecated: shows the key in the process list; set JAKAMO_API_KEY instead').hideHelp());
  checkSettings.addOptions(command).action(async (baseUrl: string | undefined) => {
    const { config: configFile, apiKey: apiKeyFlag } = command.opts<{ config?: string; apiKey?: string }>();
    if (apiKeyFlag !== undefined) {
      process.stderr.write(
        `jakamo-kit: warning: --api-key shows the key in the process list and shell history; set ${API_KEY_ENV} instead\n`,
      );
    }
    let settings: CheckSettings;
    try {
      settings = checkSettings.resolve({
        flags: { ...checkSettings.flagsFrom(command), baseUrl },
        // The deprecated flag stands in for the variable, and wins over it as every flag does.
        env: apiKeyFlag === undefined ? process.env : { ...process.env, [API_KEY_ENV]: apiKeyFlag },
        ...(configFile !== undefined ? { configFile } : {}),
      });
    } catch (error) {
      // CI uploads the report file whatever happened (e.g. a secret missing on a fork's run): it says why there is none.
      if (error instanceof SettingsError) reportCannotRun(error.message, error.resolved);
      throw error;
    }
    await runCheckCommand(settings);
  });
}

async function runCheckCommand(settings: CheckSettings): Promise<void> {
  const { reporter, strict, output } = settings;
  let report;
  try {
    report = await runConformance(conformanceOptions(settings));
  } catch (error) {
    if (!(error instanceof CannotRunError)) throw error;
    const reason = `cannot run: ${error.message}`;
    reportCannotRun(reason, settings);
    throw new UsageError(reason);
  } finally {
    if (process.stderr.isTTY) process.stderr.write('\r\x1b[2K');
  }
  const color = !!process.stdout.isTTY && !process.env.NO_COLOR;
  if (output) {
    writeReport(output, renderReport(report, reporter, { strict }));
    process.stdout.write(`${renderPretty(report, { strict, color, problemsOnly: true })}report written to ${output}\n`);
  } else {
    process.stdout.write(renderReport(report, reporter, { strict, color }));
  }
  process.exitCode = exitCodeFor(report);
}

/** With --output, a file saying why nothing was checked, in the format asked for (pretty if that is not known). */
function reportCannotRun(reason: string, { output, reporter = 'pretty' }: Partial<CheckSettings>): void {
  if (output) writeReport(output, renderCannotRun(reason, reporter));
}

function conformanceOptions(settings: CheckSettings): ConformanceOptions {
  return {
    baseUrl: settings.baseUrl,
    apiKey: settings.apiKey,
    apiKeyHeader: settings.apiKeyHeader,
    material: settings.material,
    revision: settings.revision,
    otherRevision: settings.otherRevision,
    unknownMaterial: settings.unknownMaterial,
    only: settings.only,
    strict: settings.strict,
    timeoutMs: settings.timeout,
    latencyBudgetMs: settings.latencyBudget,
    v2: settings.v2,
    supplier: settings.supplier,
    allowLinkOrigins: settings.allowLinkOrigin,
    onProgress: process.stderr.isTTY ? showProgress : undefined,
  };
}

function writeReport(file: string, text: string): void {
  try {
    writeFileSync(file, text);
  } catch (error) {
    throw new UsageError(`--output: cannot write ${file} (${(error as NodeJS.ErrnoException).code ?? 'unwritable'})`);
  }
}

function showProgress({ done, total, result }: Progress): void {
  process.stderr.write(`\r\x1b[2K  checking ${done}/${total}  ${result.id}`);
}
