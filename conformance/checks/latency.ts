/** How long a Jakamo user waits for the file list. */
import type { Exchange } from '../http.js';
import { fail, pass, type Check } from './support.js';

const SAMPLES = 10;
/** Two at a time, like two users opening order lines; the check runs alone so the suite's own traffic does not count. */
const PARALLEL = 2;

export const latencyChecks: Check[] = [
  {
    id: 'latency.p95',
    severity: 'SHOULD',
    title: 'The listing answers within the latency budget (p95)',
    why: 'v1 §2: "When a user opens an order line and fetches documents, Jakamo sends the query to your API automatically" — the user waits for the answer while the order line is open. The budget (--latency-budget, default 2000 ms) is ours; the contract names none.',
    runsAlone: true,
    async run(ctx) {
      const { material, revision, latencyBudgetMs } = ctx.settings;
      const url = ctx.listingUrl({ materialId: material, revision });
      const samples: Exchange[] = [];
      let started = 0;
      const worker = async () => {
        while (started < SAMPLES) {
          started++;
          samples.push(await ctx.send({ url, auth: 'key' }));
        }
      };
      await Promise.all(Array.from({ length: PARALLEL }, worker));
      const durations = samples.map((s) => s.durationMs).sort((a, b) => a - b);
      // Nearest-rank percentile.
      const p95 = Math.round(durations[Math.ceil(0.95 * durations.length) - 1] ?? 0);
      const median = Math.round(durations[Math.floor(durations.length / 2)] ?? 0);
      const slowest = samples.reduce((a, b) => (b.durationMs > a.durationMs ? b : a));
      const figures = `p95 ${p95} ms, median ${median} ms over ${samples.length} listings (budget ${latencyBudgetMs} ms)`;
      if (p95 <= latencyBudgetMs) return pass(figures, slowest);
      return fail(
        figures,
        `A wait of about ${(p95 / 1000).toFixed(1)} s before the file list appears, each time an order line's files are opened`,
        slowest,
      );
    },
  },
];
