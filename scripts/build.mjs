// Bundles the CLI into dist/cli.js, runnable with plain `node` (dependencies inlined).
import { chmodSync, renameSync } from 'node:fs';
import { build } from 'esbuild';
import { bundleDefines } from './build-defines.mjs';

// Written beside the target and renamed over it, so that a process starting dist/cli.js while a build runs (tests
// spawn it) gets the old bundle or the new one, never a half-written file.
const outfile = 'dist/cli.js';
const staged = `${outfile}.${process.pid}.tmp`;

await build({
  entryPoints: ['src/cli.ts'],
  outfile: staged,
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
chmodSync(staged, 0o755);
renameSync(staged, outfile);
