import { Command, CommanderError } from 'commander';
import pkg from '../package.json' with { type: 'json' };
import { UsageError } from './shared/cli-support.js';
import { registerCheckCommand } from '../conformance/command.js';
import { registerServeCommand } from './adapter/command.js';
import { registerDemoCommand } from './demo/command.js';
import { registerFixturesCommand } from './fixtures/command.js';
import { registerMockCommand } from './mock/command.js';
import { registerSnapshotCommand } from './snapshot/command.js';

const program = new Command('jakamo-kit')
  .description('Mock OpenBOM, serve the Jakamo File Callback API from OpenBOM, and check any File Callback implementation.')
  // The Node it runs on too: the binary embeds its own (see scripts/build-binary.mjs), which a security fix may concern.
  .version(`${pkg.version} (node ${process.version})`, '-V, --version', 'print the version and the Node.js it runs on')
  .showHelpAfterError(false)
  .exitOverride()
  .configureOutput({ outputError: (message, write) => write(`jakamo-kit: ${message.replace(/^error: /, '').trim()}\n`) });

// Each job registers its own subcommand; this file only wires them.
const registrations: Array<(program: Command) => void> = [
  registerMockCommand,
  registerServeCommand,
  registerFixturesCommand,
  registerCheckCommand,
  registerDemoCommand,
];
for (const register of registrations) register(program);
registerSnapshotCommand(program.commands.find((command) => command.name() === 'fixtures')!);

// No top-level await: the single binary runs a CommonJS bundle of this file (Node's SEA supports only CommonJS).
async function main(): Promise<void> {
  try {
    await program.parseAsync(process.argv);
  } catch (error) {
    process.exitCode = exitCodeFor(error);
  }
}
void main();

function exitCodeFor(error: unknown): number {
  if (error instanceof CommanderError) {
    // Help and version are successful exits; every other parse problem is a usage error (already printed).
    return error.exitCode === 0 ? 0 : 2;
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`jakamo-kit: ${message.split('\n')[0]}\n`);
  return error instanceof UsageError ? 2 : 1;
}
