import { ManualClock } from '../../src/shared/clock.js';

/**
 * A manual clock with a `sleep` that moves it: waiting first lets whatever was already granted run (one turn of the
 * event loop), then records the wait and advances the clock by it. For limiters tested without real time.
 */
export function advancingClock(startMs?: number) {
  const clock = new ManualClock(startMs);
  const sleeps: number[] = [];
  const sleep = async (ms: number) => {
    await new Promise((resolve) => setImmediate(resolve));
    sleeps.push(ms);
    clock.advance(ms);
  };
  return { clock, sleeps, sleep };
}
