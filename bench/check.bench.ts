/**
 * Part 2: the stack-trace patterns over a hostile body of newlines — the pattern before issue 18 (quadratic) against
 * the current ones (linear), side by side.
 *
 * A full `jakamo-kit check` run (every check, both revisions) against the conformance tests' reference
 * implementation on a local socket: the median wall time of 5 runs, plus the slowest. Target: ≤ 1 s.
 * The first run also pays for compiling the spec's schema; the median does not hide a regression there.
 */
import { performance } from 'node:perf_hooks';
import { LEAK_PATTERNS } from '../conformance/checks/support.js';
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
    if (report.summary.failed > 0 || report.summary.skipped > 0)
      throw new Error(`the reference implementation did not pass: ${JSON.stringify(report.summary)}`);
  }
} finally {
  await server.close();
}

const sorted = [...durations].sort((a, b) => a - b);
const median = sorted[Math.floor(RUNS / 2)] ?? 0;
const line = (label: string, value: string) => process.stdout.write(`${label.padEnd(34)}${value}\n`);
line('full check run, median', `${median.toFixed(0)} ms over ${RUNS} runs (target ≤ ${TARGET_MS} ms)`);
line('slowest run', `${(sorted.at(-1) ?? 0).toFixed(0)} ms (first run: ${durations[0]?.toFixed(0)} ms)`);
line('requests per run', String(requests));
process.exitCode = median <= TARGET_MS ? 0 : 1;

/** The Node.js stack-trace pattern as it was: `\n\s+at` lets every newline start a scan over all later newlines. */
const QUADRATIC_NODE_TRACE =
  /\bat Object\.<anonymous>|\n\s+at (?:async )?(?:[^\n(]+ \()?(?:file:\/\/|node:|\/|[A-Za-z]:\\)[^\n)]*:\d+:\d+\)?/;
const timed = (run: () => void) => {
  const started = performance.now();
  run();
  return performance.now() - started;
};
const newlines = (count: number) => '\n'.repeat(count);
const SMALL = 20_000;
const oldMs = timed(() => QUADRATIC_NODE_TRACE.test(newlines(SMALL)));
const newSmallMs = timed(() => LEAK_PATTERNS.forEach(([, pattern]) => pattern.test(newlines(SMALL))));
const newLargeMs = timed(() => LEAK_PATTERNS.forEach(([, pattern]) => pattern.test(newlines(300_000))));
line(`${SMALL} newlines, old pattern`, `${oldMs.toFixed(0)} ms`);
line(`${SMALL} newlines, all patterns`, `${newSmallMs.toFixed(1)} ms (${(oldMs / Math.max(newSmallMs, 0.01)).toFixed(0)}x faster)`);
line(
  '300000 newlines, all patterns',
  `${newLargeMs.toFixed(1)} ms (the old pattern: about ${((oldMs * 225) / 1000).toFixed(0)} s, quadratic)`,
);
