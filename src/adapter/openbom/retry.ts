import { OpenBomError } from './types.js';

export const BACKOFF_BASE_MS = 250;
export const BACKOFF_MAX_MS = 8_000;
/** A Retry-After longer than this is not waited for: Jakamo's request would have given up long before. */
export const MAX_RETRY_AFTER_MS = 30_000;

/** Exponential backoff with "equal jitter": half fixed, half random, so retries of many callers spread out. */
export function backoffMs(attempt: number, random: () => number): number {
  const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** attempt);
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

/** Retry-After as whole seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** What a call rejects with when its caller's signal aborted. */
export function callerGaveUp(): OpenBomError {
  return new OpenBomError('the caller gave up before OpenBOM answered');
}

/**
 * `promise`'s outcome, or callerGaveUp() as soon as `signal` aborts (the promise itself runs on: it may be shared).
 * `onAbandon` runs once if the caller gives up first.
 */
export function unlessAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined, onAbandon?: () => void): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) {
    onAbandon?.();
    promise.catch(() => {});
    return Promise.reject(callerGaveUp());
  }
  return new Promise<T>((resolve, reject) => {
    const abandon = () => {
      onAbandon?.();
      promise.catch(() => {});
      reject(callerGaveUp());
    };
    signal.addEventListener('abort', abandon, { once: true });
    promise.finally(() => signal.removeEventListener('abort', abandon)).then(resolve, reject);
  });
}

/**
 * One run of a task shared by every caller of the same key while it is under way. The task gets a signal that
 * aborts only once every caller that joined has given up, so a call nobody waits for any more stops, and one that
 * somebody still waits for does not.
 */
export class SharedFlights<T> {
  private readonly running = new Map<string, { promise: Promise<T>; controller: AbortController; waiting: number }>();

  join(key: string, run: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T> {
    let flight = this.running.get(key);
    if (!flight) {
      const controller = new AbortController();
      const promise = run(controller.signal).finally(() => {
        if (this.running.get(key)?.promise === promise) this.running.delete(key);
      });
      flight = { promise, controller, waiting: 0 };
      this.running.set(key, flight);
    }
    const joined = flight;
    joined.waiting++;
    let left = false;
    const leave = (abandoned: boolean) => {
      if (left) return;
      left = true;
      joined.waiting--;
      if (abandoned && joined.waiting === 0) {
        if (this.running.get(key) === joined) this.running.delete(key);
        joined.controller.abort(callerGaveUp());
      }
    };
    return unlessAborted(joined.promise, signal, () => leave(true)).finally(() => leave(false));
  }
}
