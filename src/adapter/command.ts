import type { Command } from 'commander';
import { systemClock } from '../shared/clock.js';
import { createLogger, type Logger } from '../shared/logger.js';
import { listen, stopOnSignals, type FetchApp, type RunningServer } from '../shared/server.js';
import { explainListenError, UsageError } from '../shared/cli-support.js';
import { createAdapterApp } from './app.js';
import { defaultPublicBaseUrl, describeConfig, loadAdapterConfig, serveSettings } from './config.js';
import { createDocumentService, type DocumentService } from './documents.js';
import { describeOpenBomProblem } from './health.js';
import { openBomClientFromConfig } from './openbom/index.js';
import { createSharedState, DEFAULT_STATE_URL } from './state/index.js';
import type { StateSettings } from './state/index.js';
import { createFileSystemStore, DataDirInUseError, type SupplierDocumentStore } from './supplier-documents/index.js';

/** `jakamo-kit serve`: the Jakamo File Callback API in front of OpenBOM (or the mock). */
export function registerServeCommand(program: Command): void {
  const command = program
    .command('serve')
    .description('serve the Jakamo File Callback API from OpenBOM')
    .option('--config <file>', 'YAML file of settings, see adapter.example.yaml');
  serveSettings.addOptions(command).action(async () => {
    const { config: configFile } = command.opts<{ config?: string }>();
    const config = loadAdapterConfig({
      flags: serveSettings.flagsFrom(command),
      env: process.env,
      ...(configFile !== undefined ? { configFile } : {}),
    });
    const logger = createLogger();
    const supplierDocuments = await openSupplierDocuments(config.dataDir, config.state, logger);
    // Before listening: a replica that cannot reach its Redis at start exits (exit 1) instead of answering 502s.
    const state = await createSharedState(config.state, { appKey: config.openbom.appKey, openBomUrl: config.openbom.url }, logger).catch(
      async (error: unknown) => {
        // The documents' own Redis connection would otherwise keep the process alive.
        await supplierDocuments.close();
        throw error;
      },
    );
    // From here on, whatever was opened is closed again if the start fails, so the process exits (18.8).
    const opened: Array<() => Promise<void>> = [() => supplierDocuments.close(), () => state.close()];
    const closeAll = async () => {
      documents?.stop();
      await Promise.allSettled(opened.reverse().map((close) => close()));
    };
    let documents: DocumentService | undefined;
    try {
      // Loaded here, not at the top: prom-client is `serve`'s alone, and every other command starts faster without it.
      const { createAdapterMetrics, createMetricsApp } = await import('./metrics.js');
      // The index age is read from the document service once it exists (it needs the telemetry first).
      const metrics = createAdapterMetrics({ indexAgeSeconds: () => documents?.indexStatus().ageSeconds, processMetrics: true });
      const { telemetry } = metrics;
      const openbom = openBomClientFromConfig(config.openbom, { logger, state, telemetry });
      documents = createDocumentService({
        openbom,
        catalogs: config.openbom.catalogs,
        openBomUrl: config.openbom.url,
        mapping: config.mapping,
        cacheTtlSeconds: config.cacheTtlSeconds,
        clock: systemClock,
        logger,
        state,
        telemetry,
      });
      // The app is built once the port is known, so that --port 0 still yields usable default links.
      // eslint-disable-next-line prefer-const -- assigned once the port is known; the fetch closure reads it later
      let app: ReturnType<typeof createAdapterApp> | undefined;
      const server = await listenOrExplain({ fetch: (request) => app!.fetch(request) }, config.host, config.port, {
        portFlag: '--port',
        hostFlag: '--host',
      });
      opened.push(() => server.close());
      if (config.publicBaseUrl === defaultPublicBaseUrl(config.host, config.port)) {
        config.publicBaseUrl = defaultPublicBaseUrl(config.host, server.port);
      }
      app = createAdapterApp({
        config,
        openbom,
        logger,
        supplierDocuments,
        state,
        documents,
        telemetry,
        sharedState: config.state.url !== DEFAULT_STATE_URL,
      });
      const metricsServer =
        config.metrics &&
        (await listenOrExplain(createMetricsApp(metrics.registry), config.metrics.host, config.metrics.port, {
          portFlag: '--metrics-port',
          hostFlag: '--metrics-host',
        }));
      if (metricsServer) opened.push(() => metricsServer.close());
      // Before the start-up line: whoever waits for that line may stop the process right after it.
      stopOnSignals(closeAll);
      logger.info('jakamo-kit serve listening', {
        url: server.url,
        ...(metricsServer ? { metrics: `${metricsServer.url}/metrics` } : {}),
        config: describeConfig(config),
      });
    } catch (error) {
      await closeAll();
      throw error;
    }
    if (/^https?:\/\/(0\.0\.0\.0|\[::\])[:/]/.test(config.publicBaseUrl)) {
      logger.warn('download links point at a wildcard address; set --public-base-url to the address Jakamo uses', {
        publicBaseUrl: config.publicBaseUrl,
      });
    }
    // Logs in and loads the part index while already serving (/readyz says when it is done). A failure is told in
    // one line naming what to fix; the process keeps serving (v2 documents, /healthz) and keeps trying.
    const started = performance.now();
    documents.warmUp().then(
      () => logger.info('part index loaded', { seconds: Math.round(performance.now() - started) / 1000 }),
      (error: unknown) =>
        logger.error('openbom not usable at start; serving what does not need it and retrying', {
          problem: describeOpenBomProblem(error).message,
        }),
    );
  });
}

/** Listens, or explains a port that cannot be had as a usage error naming its flag (exit 2), as every command does. */
async function listenOrExplain(
  app: FetchApp,
  host: string,
  port: number,
  flags: { portFlag: string; hostFlag: string },
): Promise<RunningServer> {
  try {
    return await listen(app, { host, port });
  } catch (error) {
    throw explainListenError(error, { host, port, ...flags });
  }
}

/**
 * The filesystem store under --data-dir, shared with the other replicas through Redis when --state-url is one; a
 * directory that cannot be created or written, or that another replica uses without Redis, is a usage error.
 */
async function openSupplierDocuments(dataDir: string, state: StateSettings, logger: Logger): Promise<SupplierDocumentStore> {
  try {
    const shared = state.url === DEFAULT_STATE_URL ? undefined : { url: state.url, keyPrefix: state.keyPrefix };
    return await createFileSystemStore({ dir: dataDir, logger, ...(shared ? { shared } : {}) });
  } catch (error) {
    if (error instanceof DataDirInUseError) throw new UsageError(`${error.message} (${dataDir})`);
    const code = (error as NodeJS.ErrnoException).code;
    if (code === undefined) throw error;
    throw new UsageError(`--data-dir: cannot store documents in ${dataDir} (${code})`);
  }
}
