import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Counts the requests sent to OpenBOM (and its storage) on behalf of one Jakamo request, for the request log line.
 * A call shared through single flight or a cache counts for the request that started it.
 */
const scope = new AsyncLocalStorage<{ calls: number }>();

export async function countingUpstreamCalls<T>(run: () => Promise<T>): Promise<{ result: T; upstreamCalls: number }> {
  const counter = { calls: 0 };
  const result = await scope.run(counter, run);
  return { result, upstreamCalls: counter.calls };
}

export function noteUpstreamCall(): void {
  const counter = scope.getStore();
  if (counter) counter.calls++;
}

/** Runs work a request starts but does not wait for (a background refresh): its calls count for no request. */
export function detachedFromRequest<T>(start: () => T): T {
  return scope.exit(start);
}
