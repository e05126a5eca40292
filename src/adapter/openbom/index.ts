/** The only code that talks to OpenBOM: auth.ts (tokens), transport.ts (permits, retries, files), client.ts (the calls). */
export {
  createOpenBomClient,
  openBomClientFromConfig,
  openBomClientOver,
  type OpenBomClientOptions,
  type OpenBomSettings,
} from './client.js';
export { parseRetryAfter } from './retry.js';
export { createTransport, fillPath, type GetJsonOptions, type OpenBomTransport, type TransportOptions } from './transport.js';
export * from './types.js';
