/**
 * How many cases each fuzz target runs, with which seed. Under `npm test`: a few hundred per target with a fixed seed
 * (the whole fuzz suite well under 30 s). Under `npm run fuzz` (scripts/fuzz.mjs): FUZZ_RUNS cases in total
 * (default 10,000) shared by weight, with a fresh seed unless FUZZ_SEED (and FUZZ_PATH) replays one; each target's
 * count is appended to FUZZ_REPORT for the script to print.
 */
import { appendFileSync } from 'node:fs';
import fc from 'fast-check';

export type FuzzTarget = 'mock' | 'adapter-v1' | 'adapter-v2' | 'demo' | 'conformance' | 'socket';

/** Runs under `npm test`, and each target's share of FUZZ_RUNS. */
const TARGETS: Record<FuzzTarget, { testRuns: number; share: number }> = {
  mock: { testRuns: 400, share: 0.32 },
  'adapter-v1': { testRuns: 250, share: 0.25 },
  'adapter-v2': { testRuns: 250, share: 0.2 },
  demo: { testRuns: 60, share: 0.05 },
  conformance: { testRuns: 25, share: 0.03 },
  socket: { testRuns: 120, share: 0.15 },
};

/** The seed `npm test` always uses, so its runs are reproducible. */
const TEST_SEED = 20_260_801;

const totalRuns = process.env.FUZZ_RUNS === undefined ? undefined : Number(process.env.FUZZ_RUNS);
if (totalRuns !== undefined && !(Number.isInteger(totalRuns) && totalRuns > 0))
  throw new Error(`FUZZ_RUNS must be a positive integer, got ${process.env.FUZZ_RUNS}`);
const seed =
  process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) : totalRuns === undefined ? TEST_SEED : Date.now() % 2 ** 31;

/** A per-test timeout that fits the number of runs (a long `npm run fuzz` run, or the few of `npm test`). */
export const fuzzTimeoutMs = totalRuns === undefined ? 30_000 : 30 * 60_000;

export function runsFor(target: FuzzTarget): number {
  const { testRuns, share } = TARGETS[target];
  return totalRuns === undefined ? testRuns : Math.max(1, Math.ceil(totalRuns * share));
}

/** A case's result: the status answered, or a word for how it ended otherwise. */
export type Outcome = number | string;

/**
 * fc.assert for one target: its runs and seed, failures reported with the seed, path and shrunk counterexample
 * (fast-check's report, kept whole in the thrown error), and the count recorded for `npm run fuzz`.
 */
export async function fuzz<T>(target: FuzzTarget, arbitrary: fc.Arbitrary<T>, check: (value: T) => Promise<Outcome>): Promise<void> {
  const numRuns = runsFor(target);
  const started = performance.now();
  let executed = 0;
  let outcome = 'passed';
  /** How the cases ended ("2xx", "4xx", "closed" …): shows the fuzz gets past the front door. */
  const outcomes: Record<string, number> = {};
  const property = fc.asyncProperty(arbitrary, async (value) => {
    executed++;
    const result = await check(value);
    const key = typeof result === 'number' ? `${Math.floor(result / 100)}xx` : result;
    outcomes[key] = (outcomes[key] ?? 0) + 1;
  });
  try {
    // FUZZ_SEED with FUZZ_PATH (both printed with a failure) replays the shrunk case straight away.
    await fc.assert(property, { seed, numRuns, verbose: 1, ...(process.env.FUZZ_PATH ? { path: process.env.FUZZ_PATH } : {}) });
  } catch (error) {
    outcome = 'failed';
    throw error;
  } finally {
    if (process.env.FUZZ_REPORT) {
      const line = { target, numRuns, executed, seed, outcome, outcomes, ms: Math.round(performance.now() - started) };
      appendFileSync(process.env.FUZZ_REPORT, `${JSON.stringify(line)}\n`);
    }
  }
}
