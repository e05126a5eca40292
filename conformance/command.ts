/** `jakamo-kit check <base-url> …`: settings from flags, JAKAMO_API_KEY and an optional YAML file; the report to stdout or --output. */
import { readFileSync, writeFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import YAML from 'yaml';
import { parsePositiveInt, UsageError } from '../src/shared/cli-support.js';
import { renderCannotRun, renderReport, REPORTERS, type ReporterName } from './reporters/index.js';
import { renderPretty } from './reporters/pretty.js';
import { exitCodeFor, runConformance } from './runner.js';
import { CannotRunError } from './settings.js';
import type { ConformanceOptions, Progress } from './types.js';

/** Everything `check` can be told, by flag or as a camelCase key in --config. */
interface CheckSettings {
  baseUrl?: string;
  apiKey?: string;
  apiKeyHeader?: string;
  material?: string;
  revision?: string;
  otherRevision?: string;
  unknownMaterial?: string;
  reporter?: ReporterName;
  output?: string;
  strict?: boolean;
  only?: string[];
  timeout?: number;
  latencyBudget?: number;
  v2?: boolean;
  supplier?: string;
  allowLinkOrigin?: string[];
}

type Kind = 'string' | 'boolean' | 'positive' | 'list' | 'reporter';
const CONFIG_KEYS: Record<keyof CheckSettings, Kind> = {
  baseUrl: 'string',
  apiKey: 'string',
  apiKeyHeader: 'string',
  material: 'string',
  revision: 'string',
  otherRevision: 'string',
  unknownMaterial: 'string',
  reporter: 'reporter',
  output: 'string',
  strict: 'boolean',
  only: 'list',
  timeout: 'positive',
  latencyBudget: 'positive',
  v2: 'boolean',
  supplier: 'string',
  allowLinkOrigin: 'list',
};

const parseList = (value: string): string[] =>
  value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

export function registerCheckCommand(program: Command): void {
  program
    .command('check')
    .description('check any File Callback implementation against the contract; exit 0 all MUST pass, 1 a check failed, 2 cannot run')
    .argument('[base-url]', 'the base URL Jakamo is configured with ({base-url}/materials/documents is queried)')
    .option('--api-key <key>', 'the API key (or the environment variable JAKAMO_API_KEY, which stays out of shell history)')
    .option('--api-key-header <name>', 'header that carries the key (default X-API-KEY)')
    .option('--material <id>', 'an item number that has files')
    .option('--revision <revision>', 'a revision of that item (default: none, i.e. the latest)')
    .option('--other-revision <revision>', 'a second revision whose files differ (enables revision.differs)')
    .option('--unknown-material <id>', 'an item number that does not exist (default: a random one)')
    .addOption(new Option('--reporter <name>', 'report format (default pretty)').choices(REPORTERS))
    .option('--output <file>', 'write the report to a file; a summary still goes to stdout')
    .option('--strict', 'SHOULD failures fail the run too')
    .option('--only <ids>', 'comma-separated check ids to run (a trailing * selects by prefix, e.g. input.*)', parseList)
    .option('--timeout <ms>', 'per request (default 10000)', parsePositiveInt)
    .option('--latency-budget <ms>', 'p95 budget of latency.p95 (default 2000)', parsePositiveInt)
    .option('--v2', 'also run the v2 supplier-document checks (v2.*); they create and delete test documents under --supplier')
    .option('--supplier <id>', 'a supplier id the v2 checks may create, replace and delete uniquely named documents under')
    .option(
      '--allow-link-origin <origin>',
      'another origin of yours where links may point (e.g. https://files.example.com); links there are downloaded with the key, as Jakamo would (repeatable)',
      collect,
    )
    .option('--config <file>', 'YAML file with the same settings as camelCase keys (flags win)')
    .action(async (baseUrl: string | undefined, flags: CheckSettings & { config?: string }) => {
      const { config, ...given } = flags;
      const fromFile = config ? readConfig(config) : {};
      const envKey = process.env.JAKAMO_API_KEY || undefined;
      const settings: CheckSettings = {
        ...fromFile,
        ...(envKey ? { apiKey: envKey } : {}),
        ...definedOnly(given),
        ...(baseUrl ? { baseUrl } : {}),
      };
      await runCheckCommand(settings);
    });
}

async function runCheckCommand(settings: CheckSettings): Promise<void> {
  const reporter = settings.reporter ?? 'pretty';
  const strict = settings.strict ?? false;
  let report;
  try {
    report = await runConformance(conformanceOptions(settings));
  } catch (error) {
    if (!(error instanceof CannotRunError) && !(error instanceof UsageError)) throw error;
    const reason = error instanceof CannotRunError ? `cannot run: ${error.message}` : error.message;
    // CI uploads the report file whatever happened: it says why there is nothing to report.
    if (settings.output) writeReport(settings.output, renderCannotRun(reason, reporter));
    throw new UsageError(reason);
  } finally {
    if (process.stderr.isTTY) process.stderr.write('\r\x1b[2K');
  }
  const color = !!process.stdout.isTTY && !process.env.NO_COLOR;
  if (settings.output) {
    writeReport(settings.output, renderReport(report, reporter, { strict }));
    process.stdout.write(`${renderPretty(report, { strict, color, problemsOnly: true })}report written to ${settings.output}\n`);
  } else {
    process.stdout.write(renderReport(report, reporter, { strict, color }));
  }
  process.exitCode = exitCodeFor(report);
}

function conformanceOptions(settings: CheckSettings): ConformanceOptions {
  if (!settings.baseUrl) throw new UsageError('check needs a base URL (argument or baseUrl in --config)');
  if (!settings.apiKey) throw new UsageError('check needs an API key: --api-key, JAKAMO_API_KEY or apiKey in --config');
  if (!settings.material) throw new UsageError('check needs --material, an item number that has files');
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
    throw new UsageError(`cannot write ${file}: ${(error as Error).message}`);
  }
}

function showProgress({ done, total, result }: Progress): void {
  process.stderr.write(`\r\x1b[2K  checking ${done}/${total}  ${result.id}`);
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function readConfig(file: string): CheckSettings {
  let parsed: unknown;
  try {
    parsed = YAML.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new UsageError(`cannot read config ${file}: ${(error as Error).message.split('\n')[0]}`);
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) throw new UsageError(`config ${file}: expected a mapping of settings`);
  const settings: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(parsed)) {
    const kind = CONFIG_KEYS[key as keyof CheckSettings];
    if (!kind) throw new UsageError(`config ${file}: unknown setting "${key}" (known: ${Object.keys(CONFIG_KEYS).join(', ')})`);
    settings[key] = configValue(file, key, kind, value);
  }
  return settings;
}

function configValue(file: string, key: string, kind: Kind, value: unknown): unknown {
  const wrong = (expected: string) => new UsageError(`config ${file}: ${key} must be ${expected}`);
  switch (kind) {
    case 'string':
      // YAML reads `revision: 120` as a number; it is meant as text.
      if (typeof value === 'string' || typeof value === 'number') return String(value);
      throw wrong('a string');
    case 'boolean':
      if (typeof value === 'boolean') return value;
      throw wrong('true or false');
    case 'positive':
      if (typeof value === 'number' && Number.isInteger(value) && value > 0) return value;
      throw wrong('a whole number above 0');
    case 'list':
      if (typeof value === 'string') return parseList(value);
      if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value;
      throw wrong('a list');
    case 'reporter':
      if (REPORTERS.includes(value as ReporterName)) return value;
      throw wrong(REPORTERS.join(', '));
  }
}
