/**
 * ArrivalGuard on a manual clock: permits come back a window after the answer (not after the start), in order, and a
 * waiter whose caller gave up leaves the queue without using a permit.
 */
import { describe, expect, it } from 'vitest';
import { ArrivalGuard } from '../../src/adapter/arrival-guard.js';
import { advancingClock } from '../support/clock.js';

function setup(limit = 2, windowMs = 1000) {
  const { clock, sleeps, sleep } = advancingClock();
  const guard = new ArrivalGuard({ limit, windowMs, clock, sleep });
  return { guard, clock, sleeps };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('ArrivalGuard', () => {
  it('hands out `limit` permits at once, then each one again only a window after its request was answered', async () => {
    const { guard, clock, sleeps } = setup(2, 1000);
    const first = await guard.take();
    const second = await guard.take();
    const grantedAt: number[] = [];
    const third = guard.take().then((answered) => (grantedAt.push(clock.now()), answered));
    await settle();
    expect(grantedAt).toEqual([]); // both permits are out: waiting for an answer, not for time

    // The first request is slow: answered 300 ms after it started. Its permit is usable 1000 ms after that.
    clock.advance(300);
    const answeredAt = clock.now();
    first();
    (await third)();
    expect(grantedAt).toEqual([answeredAt + 1000]);
    expect(sleeps).toEqual([1000]);
    second();
  });

  it('serves waiters in order and ignores a second call of the same answered()', async () => {
    const { guard, clock } = setup(1, 500);
    const only = await guard.take();
    const order: string[] = [];
    const a = guard.take().then((answered) => (order.push(`a@${clock.now()}`), answered));
    const b = guard.take().then((answered) => (order.push(`b@${clock.now()}`), answered));
    const start = clock.now();
    only();
    only(); // no second permit from one answer
    (await a)();
    (await b)();
    expect(order).toEqual([`a@${start + 500}`, `b@${start + 1000}`]);
  });

  it('drops a waiter whose caller gave up: it rejects with the reason and uses no permit', async () => {
    const { guard, clock } = setup(1, 1000);
    const only = await guard.take();
    const gaveUp = new AbortController();
    const abandoned = guard.take(gaveUp.signal);
    const patient = guard.take();
    gaveUp.abort(new Error('client went away'));
    await expect(abandoned).rejects.toThrow('client went away');
    const start = clock.now();
    only();
    await patient;
    // The patient waiter got the permit that the abandoned one would have used, one window after the answer.
    expect(clock.now()).toBe(start + 1000);
  });

  it('rejects at once when the signal is already aborted', async () => {
    const { guard } = setup();
    await expect(guard.take(AbortSignal.abort(new Error('already gone')))).rejects.toThrow('already gone');
    // Nothing was used: both permits are still free.
    await guard.take();
    await guard.take();
  });
});
