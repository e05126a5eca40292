// `npm run fuzz`: the property-based fuzz suite (test/fuzz) with FUZZ_RUNS cases in total (default 10,000) and a
// fresh seed (FUZZ_SEED replays one), then one line per target: cases run, how they ended, seed and time.
// Extra arguments go to vitest (e.g. `npm run fuzz -- test/fuzz/mock.test.ts`). A failing case is printed by
// vitest with fast-check's report: the seed, the path and the shrunk counterexample.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const runs = process.env.FUZZ_RUNS ?? '10000';
if (!/^[1-9]\d*$/.test(runs)) {
  console.error(`fuzz: FUZZ_RUNS must be a positive integer, got ${runs}`);
  process.exit(2);
}
const dir = mkdtempSync(join(tmpdir(), 'jk-fuzz-'));
const report = join(dir, 'report.jsonl');
const vitest = join(dirname(createRequire(import.meta.url).resolve('vitest/package.json')), 'vitest.mjs');
const files = process.argv.slice(2);
const result = spawnSync(process.execPath, [vitest, 'run', ...(files.length > 0 ? files : ['test/fuzz'])], {
  stdio: 'inherit',
  env: { ...process.env, FUZZ_RUNS: runs, FUZZ_REPORT: report },
});

let lines = [];
try {
  lines = readFileSync(report, 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
} catch {
  // No target reported: vitest failed before any fuzz ran; its own output says why.
}
rmSync(dir, { recursive: true, force: true });

if (lines.length > 0) {
  console.log('\nfuzz cases per target');
  const width = Math.max(...lines.map((line) => line.target.length));
  for (const line of lines.sort((a, b) => a.target.localeCompare(b.target))) {
    const outcomes = Object.entries(line.outcomes ?? {})
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, count]) => `${key} ${count}`)
      .join(', ');
    const ran = line.outcome === 'passed' ? `${line.executed}` : `${line.executed} (FAILED; seed ${line.seed})`;
    console.log(
      `  ${line.target.padEnd(width)}  ${ran.padStart(6)} cases  [${outcomes}]  seed ${line.seed}  ${(line.ms / 1000).toFixed(1)} s`,
    );
  }
  const total = lines.reduce((sum, line) => sum + line.executed, 0);
  console.log(`  ${'total'.padEnd(width)}  ${String(total).padStart(6)} cases`);
}
process.exit(result.status ?? 1);
