// `npm run binary`: builds dist/jakamo-kit, one executable that needs no Node.js, npm or source tree.
// esbuild bundles src/cli.ts as CommonJS (Node's single executable applications run CommonJS only), Node
// turns the bundle and every shipped file into a SEA blob, and postject injects the blob into a copy of node.
// Environment: JAKAMO_SEA_CODE_CACHE=0 builds without V8's code cache (to measure what it buys).
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { bundleDefines } from './build-defines.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const work = join(root, 'dist', 'sea');
const bundle = join(work, 'jakamo-kit.cjs');
const blob = join(work, 'jakamo-kit.blob');
const seaConfig = join(work, 'sea-config.json');
const binary = join(root, 'dist', 'jakamo-kit');
/** Shipped files, read at run time through readAsset() under their path from the repository root. */
const ASSET_SOURCES = [
  { dir: 'fixtures', include: () => true },
  { dir: 'src/demo/page', include: () => true },
  { dir: 'spec', include: (path) => /\.ya?ml$/.test(path) && !path.slice('spec/'.length).includes('/') },
];
// Fuse string from Node's SEA documentation; postject flips it to tell node a blob is present.
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

const started = Date.now();
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });

await build({
  entryPoints: [join(root, 'src/cli.ts')],
  outfile: bundle,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  minify: true,
  sourcemap: false,
  legalComments: 'none',
  logLevel: 'warning',
  // import.meta is empty in CommonJS. assets.ts only uses import.meta.url outside a SEA (to find the package
  // root on disk); inside the binary __filename is the executable's path, which is a harmless stand-in.
  define: { ...(await bundleDefines()), 'import.meta.url': '__jkImportMetaUrl' },
  banner: { js: "const __jkImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
});

const assets = Object.fromEntries(
  ASSET_SOURCES.flatMap(({ dir, include }) =>
    filesUnder(join(root, dir))
      .map((file) => relative(root, file).split(sep).join('/'))
      .filter(include),
  )
    .sort()
    .map((path) => [path, join(root, path)]),
);

writeFileSync(
  seaConfig,
  `${JSON.stringify(
    {
      main: bundle,
      output: blob,
      disableExperimentalSEAWarning: true,
      useCodeCache: process.env.JAKAMO_SEA_CODE_CACHE !== '0',
      assets,
    },
    null,
    2,
  )}\n`,
);

run(process.execPath, ['--experimental-sea-config', seaConfig]);
rmSync(binary, { force: true });
copyFileSync(process.execPath, binary);
chmodSync(binary, 0o755);
run(process.execPath, [join(root, 'node_modules/postject/dist/cli.js'), binary, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', SEA_FUSE]);

const megabytes = (statSync(binary).size / 1024 / 1024).toFixed(1);
console.log(`dist/jakamo-kit: ${megabytes} MB, ${Object.keys(assets).length} assets, ${Date.now() - started} ms`);

/** Runs a build step quietly (postject prints harmless ELF section warnings); its output is shown only if it fails. */
function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, encoding: 'utf8' });
  if (result.status !== 0) {
    process.stderr.write(`${result.stdout ?? ''}${result.stderr ?? ''}`);
    throw new Error(`${[command, ...args].join(' ')} failed (${result.error?.message ?? `exit ${result.status}`})`);
  }
}

function filesUnder(dir) {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(path) : entry.isFile() ? [path] : [];
  });
}
