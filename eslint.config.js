// `npm run lint` (with `prettier --check` and Redocly for spec/). Type-aware typescript-eslint, strict where a
// mistake hides at run time (promises nobody awaits, switches that miss a case), plus the import boundaries of
// ARCHITECTURE.md. Layout is Prettier's job: eslint-config-prettier switches off every rule it would fight.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import boundaries from 'eslint-plugin-boundaries';
import tseslint from 'typescript-eslint';

/** The jobs and what each may import (besides itself); anything not listed is refused. */
const ELEMENTS = [
  { type: 'shared', pattern: 'src/shared/**' },
  { type: 'fixtures', pattern: 'src/fixtures/**' },
  { type: 'mock', pattern: 'src/mock/**' },
  { type: 'adapter', pattern: 'src/adapter/**' },
  { type: 'snapshot', pattern: 'src/snapshot/**' },
  { type: 'demo', pattern: 'src/demo/**' },
  { type: 'conformance', pattern: 'conformance/**' },
  // Last, so that only what sits directly in src/ is left for it: src/cli.ts, which wires every job.
  { type: 'cli', pattern: 'src' },
];
const MAY_IMPORT = {
  shared: [],
  fixtures: ['shared'],
  mock: ['fixtures', 'shared'],
  // The adapter meets the mock over HTTP only, as in production, and serves whatever OpenBOM holds (no fixtures).
  adapter: ['shared'],
  snapshot: ['adapter', 'fixtures', 'shared'],
  // Conformance tests any File Callback server over HTTP: never the adapter or the mock.
  conformance: ['shared'],
  demo: ['mock', 'adapter', 'fixtures', 'conformance', 'shared'],
  cli: ELEMENTS.map(({ type }) => type),
};

export default tseslint.config(
  {
    ignores: ['dist/', 'node_modules/', 'test-artifacts/', 'coverage/'],
  },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // TypeScript (tsc, and checkJs for the demo page) knows the globals of each environment better than a list.
      'no-undef': 'off',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/only-throw-error': 'error',
      '@typescript-eslint/prefer-promise-reject-errors': 'error',
      '@typescript-eslint/return-await': ['error', 'error-handling-correctness-only'],
      '@typescript-eslint/no-import-type-side-effects': 'error',
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      // An async method may implement a Promise-returning interface without awaiting anything (memory stores).
      '@typescript-eslint/require-await': 'off',
      // Reporters and validators match control characters on purpose, to escape or refuse them.
      'no-control-regex': 'off',
    },
  },
  {
    // Tests and benches read JSON bodies (typed any) and poke at them; the promise rules still apply.
    files: ['test/**', 'bench/**'],
    rules: {
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  {
    // Plain JavaScript (build scripts, this file, the demo page): linted without type information. The demo page's
    // types are checked by `npm run typecheck` instead (tsconfig.page.json: checkJs against the DOM library).
    files: ['**/*.{js,mjs,cjs}'],
    extends: [tseslint.configs.disableTypeChecked],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['src/**/*.ts', 'conformance/**/*.ts'],
    plugins: { boundaries },
    settings: {
      'boundaries/elements': ELEMENTS.map((element) => ({ ...element, partialMatch: false })),
      'boundaries/include': ['src/**/*.ts', 'conformance/**/*.ts'],
      'import/resolver': { typescript: { alwaysTryTypes: false } },
    },
    rules: {
      'boundaries/dependencies': [
        'error',
        {
          default: 'disallow',
          message: '{{from.type}} must not import {{to.type}} (../shared/ARCHITECTURE.md: import boundaries)',
          policies: Object.entries(MAY_IMPORT).map(([from, allowed]) => ({
            from: { element: { type: from } },
            allow: { to: { element: { types: { anyOf: [from, ...allowed] } } } },
          })),
        },
      ],
    },
  },
  prettier,
);
