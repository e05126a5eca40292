/** The limiter's queue over a window that can fail (the shared state down): nobody starts without the window's consent. */
import { describe, expect, it } from 'vitest';
import { QueuedLimiter, type StartAttempt, type StartWindow } from '../../src/adapter/limiter.js';

describe('QueuedLimiter', () => {
  it('fails the waiter at the head when the window cannot answer, and serves the next ones once it can', async () => {
    const granted: StartAttempt = { granted: true, answered: () => {} };
    const answers: Array<StartAttempt | Error> = [new Error('Redis down'), { granted: false, waitMs: 250 }, granted, granted];
    const sleeps: number[] = [];
    const window: StartWindow = {
      tryStart: async () => {
        const answer = answers.shift() ?? granted;
        if (answer instanceof Error) throw answer;
        return answer;
      },
      pauseFor: () => {},
    };
    const limiter = new QueuedLimiter(window, async (ms) => {
      sleeps.push(ms);
    });
    const outcomes = await Promise.allSettled([limiter.acquire(), limiter.acquire(), limiter.acquire()]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'fulfilled', 'fulfilled']);
    expect((outcomes[0] as PromiseRejectedResult).reason).toEqual(new Error('Redis down'));
    // Refused once: slept exactly as long as the window said, then asked again.
    expect(sleeps).toEqual([250]);
  });
});
