// `npm run binary`: builds dist/jakamo-kit, one executable that needs no Node.js, npm or source tree.
// esbuild bundles src/cli.ts as CommonJS (Node's single executable applications run CommonJS only), Node
// turns the bundle and every shipped file into a SEA blob, and postject injects the blob into a copy of node.
// The embedded Node is the LTS pinned in package.json (scripts/embedded-node.mjs: the official binary from the npm
// registry), whatever Node runs this script: the blob and its V8 code cache are made by that same binary, as they must.
// Environment: JAKAMO_SEA_CODE_CACHE=0 builds without V8's code cache (to measure what it buys).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { bundleDefines } from './build-defines.mjs';
import { embeddedNodePath } from './embedded-node.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const work = join(root, 'dist', 'sea');
const bundle = join(work, 'jakamo-kit.cjs');
const blob = join(work, 'jakamo-kit.blob');
const seaConfig = join(work, 'sea-config.json');
const binary = join(root, 'dist', 'jakamo-kit');
/** The digest of everything the binary was built from (see below). */
const binaryStamp = join(root, 'dist', 'jakamo-kit.inputs-sha256');
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
  target: 'node24',
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

if (process.platform !== 'linux' || process.arch !== 'x64') {
  throw new Error(`the binary embeds Node for Linux x64; this is ${process.platform}-${process.arch}`);
}
const embeddedNode = embeddedNodePath();
// Injecting the blob (postject) takes most of the build; skip it when nothing that goes into the binary changed.
const nodeVersion = run(embeddedNode, ['--version']).trim();
const inputs = createHash('sha256').update(nodeVersion).update(readFileSync(seaConfig)).update(readFileSync(bundle));
for (const path of Object.values(assets)) inputs.update(readFileSync(path));
const inputsDigest = inputs.digest('hex');
if (existsSync(binary) && existsSync(binaryStamp) && readFileSync(binaryStamp, 'utf8') === inputsDigest) {
  console.log(`dist/jakamo-kit: up to date (node ${nodeVersion})`);
  process.exit(0);
}
rmSync(binaryStamp, { force: true });

run(embeddedNode, ['--experimental-sea-config', seaConfig]);
rmSync(binary, { force: true });
copyFileSync(embeddedNode, binary);
chmodSync(binary, 0o755);
run(process.execPath, [join(root, 'node_modules/postject/dist/cli.js'), binary, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', SEA_FUSE]);

const megabytes = (statSync(binary).size / 1024 / 1024).toFixed(1);
writeFileSync(binaryStamp, inputsDigest);
console.log(`dist/jakamo-kit: node ${nodeVersion}, ${megabytes} MB, ${Object.keys(assets).length} assets, ${Date.now() - started} ms`);

/** Runs a build step quietly (postject prints harmless ELF section warnings); its output is shown only if it fails. */
function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, encoding: 'utf8' });
  if (result.status !== 0) {
    process.stderr.write(`${result.stdout ?? ''}${result.stderr ?? ''}`);
    throw new Error(`${[command, ...args].join(' ')} failed (${result.error?.message ?? `exit ${result.status}`})`);
  }
  return result.stdout;
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
