// Bundles the CLI into dist/cli.js, runnable with plain `node` (dependencies inlined).
import { build } from 'esbuild';
import { bundleDefines } from './build-defines.mjs';

await build({
  entryPoints: ['src/cli.ts'],
  outfile: 'dist/cli.js',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: false,
  legalComments: 'none',
  logLevel: 'warning',
  define: await bundleDefines(),
  // Some bundled CommonJS dependencies call require(); give the ESM bundle one.
  banner: {
    js: "#!/usr/bin/env node\nimport { createRequire as __jkCreateRequire } from 'node:module'; const require = __jkCreateRequire(import.meta.url);",
  },
});
