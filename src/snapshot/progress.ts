import cliProgress from 'cli-progress';
import type { ProgressListener, ProgressState } from './run.js';

/** Requests per second are measured over this window. */
const RATE_WINDOW_MS = 10_000;
/** Piped output: one line at most this often. */
const LINE_EVERY_MS = 5_000;

export interface ProgressDisplay extends ProgressListener {
  stop(): void;
}

/**
 * A bar on a terminal (units and files done, requests/s, time left), plain lines when piped. Written to `stream`
 * (stderr), so stdout carries only the summary.
 */
export function createProgressDisplay(stream: NodeJS.WriteStream, now: () => number = Date.now): ProgressDisplay {
  const rate = requestRate(now);
  const startedAt = now();
  /** Time left at the pace so far; undefined until there is a pace. */
  const left = (state: ProgressState) =>
    state.done > 0 && state.total > state.done ? duration(((state.total - state.done) * (now() - startedAt)) / state.done) : undefined;
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        stream,
        format: 'snapshot [{bar}] {value}/{total} items | {files} files | {rps} req/s | {left} left',
        hideCursor: true,
        clearOnComplete: false,
      },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    return {
      update(state) {
        const payload = {
          files: state.files,
          rps: rate(state.requests).toFixed(1),
          left: state.total > state.done ? (left(state) ?? '?') : '0s',
        };
        if (!started) {
          bar.start(Math.max(state.total, 1), state.done, payload);
          started = true;
        }
        bar.setTotal(Math.max(state.total, 1));
        bar.update(state.done, payload);
      },
      stop: () => started && bar.stop(),
    };
  }
  let lastLine = startedAt;
  let last: ProgressState | undefined;
  const line = (state: ProgressState) => {
    const remaining = left(state);
    const pace = `${rate(state.requests).toFixed(1)} requests/s${remaining ? ` (about ${remaining} left)` : ''}`;
    stream.write(`snapshot: ${state.done}/${state.total} items, ${state.files} files, ${pace}\n`);
  };
  return {
    update(state) {
      last = state;
      if (now() - lastLine < LINE_EVERY_MS) return;
      lastLine = now();
      line(state);
    },
    stop: () => last && line(last),
  };
}

/** Requests per second over the last RATE_WINDOW_MS, from the running total. */
function requestRate(now: () => number): (total: number) => number {
  const samples: Array<{ at: number; total: number }> = [];
  return (total) => {
    const at = now();
    samples.push({ at, total });
    while (samples.length > 1 && samples[0]!.at < at - RATE_WINDOW_MS) samples.shift();
    const first = samples[0]!;
    // Under a second of samples says little (a burst of cached answers): no figure yet.
    return at - first.at >= 1000 ? ((total - first.total) * 1000) / (at - first.at) : 0;
  };
}

function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
