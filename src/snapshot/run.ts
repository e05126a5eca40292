/**
 * A snapshot run: crawls OpenBOM through a SnapshotSource, keeps every answer in DIR/.snapshot/answers.jsonl
 * (append-only; a torn last line is ignored) and the files in DIR/files/, and rewrites DIR/fixture.yaml from what is
 * there every few seconds (temp file + rename). So an interrupted run leaves a loadable partial fixture, and
 * `--resume` replays the answers instead of asking OpenBOM again.
 */
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync, createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import type { FileCellDoc, FixtureDoc } from '../fixtures/document.js';
import { stringifyFixtureDoc } from '../fixtures/serialize.js';
import { fillPath, UnsafeFileUrlError } from '../adapter/openbom/index.js';
import { mapWithConcurrency } from '../shared/concurrency.js';
import { assembleSnapshot, Missing, Unavailable, type AssembleResult, type SnapshotReader } from './assemble.js';
import type { SnapshotSource } from './source.js';

export const FIXTURE_FILE = 'fixture.yaml';
const STATE_DIR = '.snapshot';
const ANSWERS_FILE = 'answers.jsonl';
const FILES_DIR = 'files';
/** Placeholder credentials of the snapshot's account; the real ones are never written. */
export const PLACEHOLDER_ACCOUNT = {
  appKeys: ['snapshot-app-key'],
  users: [{ username: 'snapshot@example.com', password: 'snapshot-password' }],
} as const satisfies FixtureDoc['account'];
/** Above this many rows the fixture is written as JSON (which is YAML too, and loads far faster). */
const YAML_ROW_LIMIT = 2000;
const CHECKPOINT_EVERY_MS = 5000;
/** Units (parts, BOMs …) in progress at once at each level; the source's permit pool paces the requests. */
const CONCURRENCY = 4;
/** A content type the fixture schema accepts (fixtures/schema.json, fileCell.contentType). */
const CONTENT_TYPE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+\/[!#$%&'*+.^_`|~0-9A-Za-z-]+(\s*;.*)?$/;

export interface SnapshotRunOptions {
  source: SnapshotSource;
  /** OpenBOM's origin (file cells are its URLs). */
  origin: string;
  outDir: string;
  catalogs?: string[];
  boms?: string[];
  /** Files per row: Infinity = all, 0 = none. */
  filesPerRow: number;
  resume: boolean;
  /** The real credentials: replaced wherever OpenBOM's answers contain them, so none reaches DIR. */
  secrets: { appKey: string; username: string; password: string };
  signal?: AbortSignal;
  progress?: ProgressListener;
  /** Between two rewrites of fixture.yaml while running (default 5 s). */
  checkpointEveryMs?: number;
}

export interface ProgressListener {
  /** Units found (`total`) and finished, requests sent and files saved so far. */
  update(state: ProgressState): void;
}

export interface ProgressState {
  total: number;
  done: number;
  requests: number;
  files: number;
}

export interface SnapshotOutcome extends AssembleResult {
  fixturePath: string;
  /** True when every unit was fetched (not interrupted). */
  complete: boolean;
  /** Why an incomplete run stopped (an abort, or a failure that outlasted the retries); the fixture holds what came before. */
  stoppedBy?: unknown;
  /** Answers and files taken from an earlier run rather than fetched. */
  reused: number;
}

/** Refuses to overwrite a directory that already holds a snapshot unless resuming (and vice versa). */
export class SnapshotDirError extends Error {
  override name = 'SnapshotDirError';
}

export async function runSnapshot(options: SnapshotRunOptions): Promise<SnapshotOutcome> {
  const store = openStore(options);
  const progress: ProgressState = { total: 0, done: 0, requests: 0, files: 0 };
  const report = () => options.progress?.update({ ...progress });
  const live = liveReader(options, store, progress, report);
  const assembleOptions = {
    origin: options.origin,
    ...(options.catalogs ? { catalogs: options.catalogs } : {}),
    ...(options.boms ? { boms: options.boms } : {}),
    filesPerRow: options.filesPerRow,
    account: { appKeys: [...PLACEHOLDER_ACCOUNT.appKeys], users: PLACEHOLDER_ACCOUNT.users.map((u) => ({ ...u })) },
  };

  let writing: Promise<AssembleResult> | undefined;
  const checkpoint = () => (writing ??= writeFixture(store, assembleOptions).finally(() => (writing = undefined)));
  // A large account takes a while to write: never spend more than a tenth of the time on checkpoints.
  let nextCheckpointAt = 0;
  const timer = setInterval(() => {
    if (Date.now() < nextCheckpointAt) return;
    const startedAt = Date.now();
    void checkpoint()
      .catch(() => {})
      .finally(() => (nextCheckpointAt = Date.now() + 9 * (Date.now() - startedAt)));
  }, options.checkpointEveryMs ?? CHECKPOINT_EVERY_MS);

  let complete = false;
  let stoppedBy: unknown;
  try {
    await assembleSnapshot(live, {
      ...assembleOptions,
      each: async (items, work) => {
        progress.total += items.length;
        report();
        return mapWithConcurrency(
          items,
          CONCURRENCY,
          async (item) => {
            const result = await work(item);
            progress.done++;
            report();
            return result;
          },
          options.signal,
        );
      },
    });
    complete = true;
  } catch (error) {
    stoppedBy = error;
  } finally {
    clearInterval(timer);
    await writing?.catch(() => {});
  }
  // The fixture is always written from what DIR holds, complete or not: one path for both.
  const result = await checkpoint();
  if (complete && result.counts.incomplete === 0) rmSync(join(options.outDir, STATE_DIR), { recursive: true, force: true });
  return { ...result, fixturePath: join(options.outDir, FIXTURE_FILE), complete, reused: store.reused, ...(complete ? {} : { stoppedBy }) };
}

// ---------------------------------------------------------------------------------------------------- store

/** What OpenBOM answered for a GET: a body, or the 4xx status it refused it with. */
type Answer = { body: unknown } | { status: number };

interface Store {
  dir: string;
  answers: Map<string, Answer>;
  /** File URL → its cell; null when OpenBOM refused it. */
  files: Map<string, FileCellDoc | null>;
  append(entry: ({ json: string } & Answer) | { file: string; cell: FileCellDoc | null }): void;
  /** Paths and file URLs an earlier run left; each counts once in `reused` when this run needs it. */
  fromEarlierRun: Set<string>;
  reused: number;
}

function openStore({ outDir, origin, resume }: SnapshotRunOptions): Store {
  const stateDir = join(outDir, STATE_DIR);
  const log = join(stateDir, ANSWERS_FILE);
  const answers = new Map<string, Answer>();
  const files = new Map<string, FileCellDoc | null>();
  const fromEarlierRun = new Set<string>();
  const hasSnapshot = existsSync(log) || existsSync(join(outDir, FIXTURE_FILE));
  if (!resume && hasSnapshot)
    throw new SnapshotDirError(`${outDir} already holds a snapshot: --resume continues it, or choose another --out`);
  if (resume && !existsSync(log)) {
    throw new SnapshotDirError(
      existsSync(join(outDir, FIXTURE_FILE))
        ? `${outDir} holds a finished snapshot: nothing to resume`
        : `${outDir} holds no snapshot to resume`,
    );
  }
  mkdirSync(join(outDir, FILES_DIR), { recursive: true });
  mkdirSync(stateDir, { recursive: true });
  if (resume) {
    const lines = readFileSync(log, 'utf8').split('\n');
    const header = parseLine(lines[0]) as { origin?: string } | undefined;
    if (header?.origin !== origin)
      throw new SnapshotDirError(`${outDir} is a snapshot of ${header?.origin ?? 'another server'}, not ${origin}`);
    for (const line of lines.slice(1)) {
      // A line cut short by a crash is not valid JSON: what it described is fetched again.
      const entry = parseLine(line) as
        { json?: string; body?: unknown; status?: number; file?: string; cell?: FileCellDoc | null } | undefined;
      if (entry?.json !== undefined) {
        answers.set(entry.json, typeof entry.status === 'number' ? { status: entry.status } : { body: entry.body });
        fromEarlierRun.add(entry.json);
      } else if (
        entry?.file !== undefined &&
        (entry.cell === null || (entry.cell?.file !== undefined && existsSync(join(outDir, entry.cell.file))))
      ) {
        files.set(entry.file, entry.cell ?? null);
        fromEarlierRun.add(entry.file);
      }
    }
  } else {
    writeFileSync(log, `${JSON.stringify({ origin })}\n`);
  }
  return {
    dir: outDir,
    answers,
    files,
    fromEarlierRun,
    reused: 0,
    append: (entry) => appendFileSync(log, `${JSON.stringify(entry)}\n`),
  };
}

function parseLine(line: string | undefined): unknown {
  if (!line) return undefined;
  try {
    return JSON.parse(line) as unknown;
  } catch {
    return undefined;
  }
}

// --------------------------------------------------------------------------------------------------- readers

/** Reads through the store: what it holds is reused, the rest is fetched, redacted, stored, then handed on. */
function liveReader(options: SnapshotRunOptions, store: Store, progress: ProgressState, report: () => void): SnapshotReader {
  const redact = redactor(options.secrets);
  const inFlight = new Map<string, Promise<unknown>>();
  const signal = options.signal;
  const once = <T>(key: string, fetch: () => Promise<T>): Promise<T> => {
    let pending = inFlight.get(key) as Promise<T> | undefined;
    if (!pending) {
      pending = fetch().finally(() => inFlight.delete(key));
      inFlight.set(key, pending);
    }
    return pending;
  };
  return {
    json(template, params = {}) {
      const path = fillPath(template, params);
      const known = store.answers.get(path);
      if (known) {
        if (store.fromEarlierRun.delete(path)) store.reused++;
        return answered(path, known);
      }
      return once(`json ${path}`, async () => {
        signal?.throwIfAborted();
        let answer: Answer;
        try {
          answer = { body: redact(await options.source.getJson(template, { params, ...(signal ? { signal } : {}) })) };
        } catch (error) {
          answer = { status: refusedStatus(error) };
        }
        progress.requests++;
        store.answers.set(path, answer);
        store.append({ json: path, ...answer });
        report();
        return answered(path, answer);
      });
    },
    file(url) {
      if (store.files.has(url)) {
        if (store.fromEarlierRun.delete(url)) store.reused++;
        return Promise.resolve(store.files.get(url)!);
      }
      return once(`file ${url}`, async () => {
        signal?.throwIfAborted();
        let cell: FileCellDoc | null;
        try {
          cell = await download(options, store.dir, url, redact);
          progress.files++;
        } catch (error) {
          // A cell naming a document id that is not of OpenBOM's shape is never fetched with the account's credentials
          // (the transport refuses it before any request): that file is left out, the run goes on.
          if (!(error instanceof UnsafeFileUrlError)) refusedStatus(error);
          cell = null;
        }
        progress.requests++;
        store.files.set(url, cell);
        store.append({ file: url, cell });
        report();
        return cell;
      });
    },
  };
}

/** The 4xx status OpenBOM refused a thing with (404, 400 …); any other failure (auth, network, abort) is rethrown. */
function refusedStatus(error: unknown): number {
  const status = (error as { status?: unknown } | null)?.status;
  if (typeof status === 'number' && status >= 400 && status < 500 && ![401, 403, 407, 429].includes(status)) return status;
  throw error;
}

function answered(path: string, answer: Answer): Promise<unknown> {
  return 'body' in answer ? Promise.resolve(answer.body) : Promise.reject(new Unavailable(`GET ${path} answered HTTP ${answer.status}`));
}

/** Saves one file under DIR/files (temp + rename: a file there is always whole) and describes it as a file cell. */
async function download(options: SnapshotRunOptions, outDir: string, url: string, redact: <T>(value: T) => T): Promise<FileCellDoc> {
  const file = await options.source.openFile(url, options.signal ? { signal: options.signal } : {});
  const name = redact(new URL(url).searchParams.get('filename') ?? 'file');
  const relative = `${FILES_DIR}/${createHash('sha256').update(url).digest('hex').slice(0, 12)}-${safeFileName(name)}`;
  const target = join(outDir, relative);
  const temporary = `${target}.part`;
  if (file.body) {
    await pipeline(
      Readable.fromWeb(file.body as NodeReadableStream<Uint8Array>),
      createWriteStream(temporary),
      options.signal ? { signal: options.signal } : {},
    );
  } else {
    writeFileSync(temporary, new Uint8Array());
  }
  renameSync(temporary, target);
  const cell: FileCellDoc = { file: relative, name };
  if (file.contentType && CONTENT_TYPE.test(file.contentType)) cell.contentType = file.contentType;
  return cell;
}

/** A name safe on any file system: letters, digits, dot, dash and underscore, at most 100 characters. */
function safeFileName(name: string): string {
  const safe = name
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/^\.+/, '_')
    .slice(-100);
  return safe === '' ? 'file' : safe;
}

/** Only what the store holds; anything else is Missing (so the unit needing it is left out). */
function replayReader(store: Store): SnapshotReader {
  return {
    json: (template, params) => {
      const path = fillPath(template, params);
      const answer = store.answers.get(path);
      return answer ? answered(path, answer) : Promise.reject(new Missing(path));
    },
    file: (url) => (store.files.has(url) ? Promise.resolve(store.files.get(url)!) : Promise.reject(new Missing(url))),
  };
}

async function writeFixture(store: Store, options: Omit<Parameters<typeof assembleSnapshot>[1], 'each'>): Promise<AssembleResult> {
  const result = await assembleSnapshot(replayReader(store), { ...options, each: (items, work) => Promise.all(items.map(work)) });
  const rows = result.counts.parts + [...(result.doc.boms ?? []), ...(result.doc.orderBoms ?? [])].reduce((n, b) => n + b.rows.length, 0);
  const text = stringifyFixtureDoc(result.doc, rows > YAML_ROW_LIMIT ? 'json' : 'yaml', [
    'jakamo-kit fixture: a snapshot of an OpenBOM account (jakamo-kit fixtures snapshot).',
    `Account: placeholder credentials (app key ${PLACEHOLDER_ACCOUNT.appKeys[0]}); file paths are relative to this file.`,
  ]);
  const target = join(store.dir, FIXTURE_FILE);
  writeFileSync(`${target}.tmp`, text);
  renameSync(`${target}.tmp`, target);
  return result;
}

/**
 * Replaces the real credentials wherever OpenBOM's answers carry them (the user name is typically every document's
 * createdBy): the user name by the placeholder user, the app key and password by "[redacted]". Secrets shorter than
 * 4 characters are left alone: replacing them would mangle ordinary text.
 */
function redactor(secrets: SnapshotRunOptions['secrets']): <T>(value: T) => T {
  const replacements = [
    [secrets.username, PLACEHOLDER_ACCOUNT.users[0].username],
    [secrets.appKey, '[redacted]'],
    [secrets.password, '[redacted]'],
  ].filter(([secret]) => secret !== undefined && secret.length >= 4) as Array<[string, string]>;
  const redactText = (text: string) => replacements.reduce((t, [secret, placeholder]) => t.split(secret).join(placeholder), text);
  const walk = (value: unknown): unknown => {
    if (typeof value === 'string') return redactText(value);
    if (Array.isArray(value)) return value.map(walk);
    if (value !== null && typeof value === 'object')
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [redactText(k), walk(v)]));
    return value;
  };
  return <T>(value: T) => walk(value) as T;
}
