/** A problem with how the kit was invoked or configured: one line on stderr, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/**
 * Why a server could not listen, as a usage error naming the flag to change (exit 2, one line), the same for every
 * command: a busy or forbidden port names the port's flag, an address this machine does not have names the host's.
 */
export function explainListenError(
  error: unknown,
  { host, port, portFlag = '--port', hostFlag = '--host' }: { host: string; port: number; portFlag?: string; hostFlag?: string },
): Error {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EADDRINUSE') return new UsageError(`${portFlag}: port ${port} on ${host} is already in use (0 picks a free one)`);
  if (code === 'EACCES') return new UsageError(`${portFlag}: not allowed to listen on port ${port} of ${host}`);
  if (code === 'EADDRNOTAVAIL') return new UsageError(`${hostFlag}: ${host} is not an address of this machine`);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return new UsageError(`${hostFlag}: ${host} is not a known host name`);
  if (code === undefined) return error instanceof Error ? error : new Error(String(error));
  return new UsageError(`${portFlag}: cannot listen on ${host}:${port} (${code})`);
}
