/**
 * The import boundaries of ARCHITECTURE.md are lint rules: eslint.config.js, as `npm run lint` loads it, refuses a
 * wrong import. Each case lints a few lines under a file name inside a job's folder (nothing is written to disk).
 */
import { join } from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');

// The project's own config; only the boundary rule runs, and without type information (the files are virtual).
const eslint = new ESLint({
  cwd: root,
  overrideConfig: { languageOptions: { parserOptions: { projectService: false, project: null } } },
  ruleFilter: ({ ruleId }) => ruleId === 'boundaries/dependencies',
});

async function boundaryErrors(file: string, imports: string[]): Promise<string[]> {
  const code = `${imports.map((from, index) => `import * as m${index} from '${from}';`).join('\n')}\nexport const all = [${imports.map((_, index) => `m${index}`).join(', ')}];\n`;
  const [result] = await eslint.lintText(code, { filePath: join(root, file) });
  return result!.messages.map((message) => `${message.line}: ${message.ruleId ?? 'fatal'}: ${message.message}`);
}

describe('import boundaries (eslint-plugin-boundaries in eslint.config.js)', () => {
  it.each([
    ['the adapter imports the mock', 'src/adapter/violation.ts', '../mock/app.js', 'adapter must not import mock'],
    ['the adapter imports the fixtures', 'src/adapter/violation.ts', '../fixtures/load.js', 'adapter must not import fixtures'],
    ['shared imports a job', 'src/shared/violation.ts', '../adapter/app.js', 'shared must not import adapter'],
    ['conformance imports the adapter', 'conformance/violation.ts', '../src/adapter/app.js', 'conformance must not import adapter'],
    ['conformance imports the mock', 'conformance/checks/violation.ts', '../../src/mock/app.js', 'conformance must not import mock'],
    ['the mock imports the demo', 'src/mock/routes/violation.ts', '../../demo/app.js', 'mock must not import demo'],
    ['fixtures import the mock', 'src/fixtures/violation.ts', '../mock/store.js', 'fixtures must not import mock'],
  ])('refuses it when %s', async (_, file, from, expected) => {
    const errors = await boundaryErrors(file, ['node:path', from]);
    expect(errors).toEqual([`2: boundaries/dependencies: ${expected} (../shared/ARCHITECTURE.md: import boundaries)`]);
  });

  it.each([
    ['the adapter', 'src/adapter/allowed.ts', ['./openbom-client.js', '../shared/clock.js', 'node:fs', 'hono']],
    ['the mock', 'src/mock/allowed.ts', ['./store.js', '../fixtures/load.js', '../shared/logger.js']],
    ['conformance', 'conformance/allowed.ts', ['./runner.js', '../src/shared/secrets.js']],
    ['the demo', 'src/demo/allowed.ts', ['../mock/app.js', '../adapter/app.js', '../fixtures/load.js', '../../conformance/index.js']],
    ['the CLI', 'src/cli.ts', ['./mock/command.js', './adapter/command.js', '../conformance/command.js', './demo/command.js']],
  ])('lets %s import what ARCHITECTURE.md allows', async (_, file, imports) => {
    expect(await boundaryErrors(file, imports)).toEqual([]);
  });
});
