/**
 * A full `jakamo-kit check` run (every check, both revisions) against the conformance tests' reference
 * implementation on a local socket: the median wall time of 5 runs, plus the slowest. Target: ≤ 1 s.
 * The first run also pays for compiling the spec's schema; the median does not hide a regression there.
 */
import { performance } from 'node:perf_hooks';
import { runConformance } from '../conformance/index.js';
import { MATERIAL, REVISIONS, startReference } from '../test/conformance/reference-server.js';

const RUNS = 5;
const TARGET_MS = 1_000;
const API_KEY = 'bench-check-key-0001';

const server = await startReference({ apiKey: API_KEY });
const durations: number[] = [];
let requests = 0;
const counting: typeof fetch = (input, init) => {
  requests++;
  return fetch(input, init);
};
try {
  for (let run = 0; run < RUNS; run++) {
    requests = 0;
    const started = performance.now();
    const report = await runConformance({
      baseUrl: server.url,
      apiKey: API_KEY,
      material: MATERIAL,
      revision: REVISIONS.latest,
      otherRevision: REVISIONS.older,
      fetch: counting,
    });
    durations.push(performance.now() - started);
    if (report.summary.failed > 0 || report.summary.skipped > 0) throw new Error(`the reference implementation did not pass: ${JSON.stringify(report.summary)}`);
  }
} finally {
  await server.close();
}

const sorted = [...durations].sort((a, b) => a - b);
const median = sorted[Math.floor(RUNS / 2)] ?? 0;
const line = (label: string, value: string) => process.stdout.write(`${label.padEnd(28)}${value}\n`);
line('full check run, median', `${median.toFixed(0)} ms over ${RUNS} runs (target ≤ ${TARGET_MS} ms)`);
line('slowest run', `${(sorted.at(-1) ?? 0).toFixed(0)} ms (first run: ${durations[0]?.toFixed(0)} ms)`);
line('requests per run', String(requests));
process.exitCode = median <= TARGET_MS ? 0 : 1;
