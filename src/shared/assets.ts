import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

/**
 * Files that ship with the kit (default fixtures and their files, the demo page, spec documents),
 * addressed by their path from the package root, e.g. "fixtures/default.yaml".
 * Inside the single executable they come from the embedded SEA assets; otherwise from the package on disk.
 */
export function readAsset(path: string): Buffer {
  const sea = seaModule();
  if (sea?.isSea()) {
    try {
      return Buffer.from(sea.getAsset(path));
    } catch {
      throw new Error(`embedded asset not found: ${path}`);
    }
  }
  return readFileSync(join(packageRoot(), path));
}

export function assetExists(path: string): boolean {
  const sea = seaModule();
  if (sea?.isSea()) {
    try {
      sea.getAsset(path);
      return true;
    } catch {
      return false;
    }
  }
  return existsSync(join(packageRoot(), path));
}

interface SeaModule {
  isSea(): boolean;
  getAsset(key: string): ArrayBuffer;
}

let seaCache: SeaModule | null | undefined;
function seaModule(): SeaModule | null {
  if (seaCache === undefined) {
    try {
      // node:sea exists from Node 20.12; loaded lazily so plain runs never depend on it.
      const req = typeof require === 'function' ? require : createRequire(import.meta.url);
      seaCache = req('node:sea') as SeaModule;
    } catch {
      seaCache = null;
    }
  }
  return seaCache;
}

let rootCache: string | undefined;
/** The directory holding jakamo-kit's package.json, found upwards from this module (src/shared or dist). */
export function packageRoot(): string {
  if (rootCache) return rootCache;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && /"name":\s*"jakamo-kit"/.test(readFileSync(manifest, 'utf8'))) {
      rootCache = dir;
      return dir;
    }
    const parent = resolve(dir, '..');
    if (parent === dir) throw new Error('cannot locate the jakamo-kit package root');
    dir = parent;
  }
}
