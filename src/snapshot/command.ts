import { setMaxListeners } from 'node:events';
import { join } from 'node:path';
import type { Command } from 'commander';
import { OPENBOM_CREDENTIAL_SETTINGS, OPENBOM_REQUESTS_PER_SECOND_SETTING } from '../adapter/config.js';
import { summarizeFixture } from '../fixtures/command.js';
import { loadFixtureFile } from '../fixtures/load.js';
import { UsageError } from '../shared/cli-support.js';
import { boolean, defineSettings, list, SettingValueError, text, url, type SettingType } from '../shared/settings.js';
import { createSnapshotSource } from './openbom-source.js';
import { FIXTURE_FILE, PLACEHOLDER_ACCOUNT, runSnapshot, SnapshotDirError, type SnapshotOutcome } from './run.js';

/** --files: all, none or a number of files per row. */
const filesLimit: SettingType<number> = {
  expected: 'all, none or a whole number',
  parse(value) {
    const word = value.trim();
    if (word === 'all') return Infinity;
    if (word === 'none') return 0;
    if (/^\d{1,9}$/.test(word)) return Number(word);
    throw new SettingValueError(`must be ${this.expected}`);
  },
  format: (limit) => (limit === Infinity ? 'all' : limit === 0 ? 'none' : String(limit)),
};

/** Every setting of `fixtures snapshot`, once; the account's credentials from the environment only, as for serve. */
export const snapshotSettings = defineSettings({
  openbomUrl: {
    flag: '--openbom-url <url>',
    type: url({ base: true }),
    required: true,
    help: 'OpenBOM API base URL, e.g. https://developer-api.openbom.com',
  },
  out: { flag: '--out <dir>', type: text, required: true, help: 'directory to write fixture.yaml and files/ into' },
  catalogs: {
    flag: '--catalogs <ids>',
    type: list(text, { atLeastOne: 'id' }),
    defaultHelp: 'all',
    help: 'catalog ids to copy, comma-separated',
  },
  boms: {
    flag: '--boms <ids>',
    type: list(text, { atLeastOne: 'id' }),
    defaultHelp: 'all',
    help: 'BOM or order BOM ids to copy, comma-separated, with their sub-assemblies',
  },
  files: {
    flag: '--files <all|none|n>',
    type: filesLimit,
    default: Infinity,
    help: 'files to download per part (row): all, none or a number; the rest are left empty',
  },
  resume: {
    flag: '--resume',
    type: boolean,
    default: false,
    help: 'continue an interrupted snapshot in --out without fetching again what it holds',
  },
  requestsPerSecond: OPENBOM_REQUESTS_PER_SECOND_SETTING,
  ...OPENBOM_CREDENTIAL_SETTINGS,
});

/** `jakamo-kit fixtures snapshot`: an OpenBOM account as a fixture the mock serves offline. */
export function registerSnapshotCommand(fixtures: Command): void {
  const command = fixtures
    .command('snapshot')
    .description('copy an OpenBOM account into DIR/fixture.yaml and DIR/files/ for mock --fixtures');
  snapshotSettings.addOptions(command).action(async () => {
    const { appKey, username, password, ...flags } = snapshotSettings.resolve({
      flags: snapshotSettings.flagsFrom(command),
      env: process.env,
    });
    const secrets = { appKey, username, password };
    // Loaded here, not at the top: cli-progress is this command's alone, and every other command starts faster without it.
    const { createProgressDisplay } = await import('./progress.js');
    const controller = new AbortController();
    // Every request waiting for its permit listens for the abort: many at once is expected, not a leak.
    setMaxListeners(0, controller.signal);
    let signalled: NodeJS.Signals | undefined;
    const onSignal = (signal: NodeJS.Signals) => {
      // A second Ctrl-C stops at once: DIR is consistent at every moment (temp files + rename).
      if (signalled) process.exit(130);
      signalled = signal;
      process.stderr.write(`\njakamo-kit: ${signal}: stopping; the fixture keeps what is fetched so far\n`);
      controller.abort();
    };
    process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
    const progress = createProgressDisplay(process.stderr);
    let outcome: SnapshotOutcome;
    try {
      outcome = await runSnapshot({
        source: createSnapshotSource({ baseUrl: flags.openbomUrl, requestsPerSecond: flags.requestsPerSecond, ...secrets }),
        origin: new URL(flags.openbomUrl).origin,
        outDir: flags.out,
        ...(flags.catalogs ? { catalogs: flags.catalogs } : {}),
        ...(flags.boms ? { boms: flags.boms } : {}),
        filesPerRow: flags.files,
        resume: flags.resume,
        secrets,
        signal: controller.signal,
        progress,
      });
    } catch (error) {
      if (error instanceof SnapshotDirError) throw new UsageError(error.message);
      throw error;
    } finally {
      progress.stop();
      process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
    }
    process.stdout.write(summary(outcome, join(flags.out, FIXTURE_FILE)));
    if (outcome.complete) return;
    process.stdout.write('Interrupted: run the same command with --resume to continue.\n');
    if (signalled) {
      process.exitCode = signalled === 'SIGTERM' ? 143 : 130;
      return;
    }
    // The fixture on disk holds what was fetched before the failure; the message says what failed.
    const reason = outcome.stoppedBy instanceof Error ? outcome.stoppedBy.message : String(outcome.stoppedBy);
    throw new Error(`snapshot stopped: ${reason}`);
  });
}

function summary(outcome: SnapshotOutcome, path: string): string {
  const lines: string[] = [];
  try {
    lines.push(`${path}: ${summarizeFixture(loadFixtureFile(path))}${outcome.complete ? '' : ' (partial)'}`);
  } catch (error) {
    lines.push(`${path}: written, but it does not load: ${(error as Error).message}`);
  }
  const { counts } = outcome;
  if (counts.filesLeftOut > 0) lines.push(`  ${counts.filesLeftOut} file cells left empty (--files)`);
  if (outcome.reused > 0) lines.push(`  ${outcome.reused} answers and files reused from the earlier run`);
  for (const warning of outcome.warnings.slice(0, 20)) lines.push(`  warning: ${warning}`);
  if (outcome.warnings.length > 20) lines.push(`  … and ${outcome.warnings.length - 20} more warnings`);
  const [appKey] = PLACEHOLDER_ACCOUNT.appKeys;
  const [user] = PLACEHOLDER_ACCOUNT.users;
  lines.push(
    '',
    'Serve it offline (placeholder credentials; the real ones are not in the snapshot):',
    `  jakamo-kit mock --fixtures ${path}`,
    `    app key ${appKey}, user ${user.username}, password ${user.password}`,
    `  jakamo-kit demo --fixtures ${path}`,
    '',
  );
  return lines.join('\n');
}
