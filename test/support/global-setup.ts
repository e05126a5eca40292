/** Builds dist/cli.js once before any test runs, so CLI tests spawn the built bundle on a fresh clone too. */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

export default function setup(): void {
  execFileSync(process.execPath, [join(import.meta.dirname, '../../scripts/build.mjs')], {
    cwd: join(import.meta.dirname, '../..'),
    stdio: 'inherit',
  });
}
