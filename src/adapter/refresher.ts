import type { Clock } from '../shared/clock.js';
import { detachedFromRequest } from './upstream-calls.js';

export interface WarmValueOptions<V> {
  clock: Clock;
  /**
   * Answers the value, loading it when the cache behind it has none fresh: `background` for the keep-warm refreshes
   * (they yield to Jakamo's requests), `foreground` when a request has nothing to answer with yet.
   */
  load: (priority: 'foreground' | 'background') => Promise<V>;
  /** Told about each failed attempt to load or refresh, with how many failed in a row (the value in hand stays). */
  onRefreshFailed?: (error: unknown, consecutiveFailures: number) => void;
  /** Told when a refresh succeeds again after failing. */
  onRefreshRecovered?: () => void;
}

/** After a failed refresh the next one waits 1 s, doubling up to this, so that a down OpenBOM is not hammered. */
const MAX_RETRY_DELAY_MS = 60_000;

/**
 * A value kept warm (stale-while-revalidate): once loaded, callers get the value in hand at once while refreshes run in
 * the background, started by a timer (`start`) and nudged by callers. The cache behind `load` decides when a refresh
 * actually reaches OpenBOM (when its entry expires, by one replica for all with a shared store); here it is only asked
 * often. A failed refresh keeps the value in hand and is tried again after a growing delay.
 */
export class WarmValue<V> {
  private current: V | undefined;
  private loaded = false;
  private refreshing: Promise<void> | undefined;
  private failures = 0;
  private retryAt = 0;
  private timer: NodeJS.Timeout | undefined;
  /** The error of the latest attempt, undefined once one succeeded. */
  lastError: unknown;

  constructor(private readonly options: WarmValueOptions<V>) {}

  /** The value in hand (and a refresh nudged), or, before the first load succeeded, a foreground load. */
  async get(): Promise<V> {
    if (this.loaded) {
      void this.refresh();
      return this.current as V;
    }
    return this.adopt(await this.attempt('foreground'));
  }

  /** The value in hand, if any, without nudging a refresh. */
  peek(): V | undefined {
    return this.current;
  }

  get isLoaded(): boolean {
    return this.loaded;
  }

  /** One background refresh at a time; never throws (the failure is kept in lastError and reported). */
  refresh(): Promise<void> {
    if (this.refreshing) return this.refreshing;
    if (this.failures > 0 && this.options.clock.now() < this.retryAt) return Promise.resolve();
    this.refreshing = detachedFromRequest(() => this.attempt('background'))
      .then(
        (value) => {
          this.adopt(value);
        },
        () => {
          // Reported by attempt().
        },
      )
      .finally(() => {
        this.refreshing = undefined;
      });
    return this.refreshing;
  }

  /** Refreshes every `everyMs` from now on (the timer does not keep the process alive). */
  start(everyMs: number): void {
    this.stop();
    this.timer = setInterval(() => void this.refresh(), everyMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private async attempt(priority: 'foreground' | 'background'): Promise<V> {
    try {
      return await this.options.load(priority);
    } catch (error) {
      this.lastError = error;
      this.failures++;
      this.retryAt = this.options.clock.now() + Math.min(MAX_RETRY_DELAY_MS, 1000 * 2 ** (this.failures - 1));
      this.options.onRefreshFailed?.(error, this.failures);
      throw error;
    }
  }

  private adopt(value: V): V {
    this.current = value;
    this.loaded = true;
    this.lastError = undefined;
    if (this.failures > 0) {
      this.failures = 0;
      this.options.onRefreshRecovered?.();
    }
    return value;
  }
}
