/**
 * One JSON object per line. Callers pass values already masked (see secrets.ts); nothing here sees raw secrets.
 * Every string in a line is bounded and escaped (excerpt(), limits.ts), so whatever a request carries, a line stays
 * one short line: callers still cut request values to REQUEST_EXCERPT_CHARS themselves, this is the backstop.
 */
import { excerpt } from './limits.js';

export type LogFields = Record<string, unknown>;

export interface Logger {
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

/** The most characters of any one string in a log line (a message, a field, an item of a list). */
export const LOG_VALUE_MAX_CHARS = 1_000;
/** Nested objects deeper than this are logged as "[…]". */
const MAX_DEPTH = 4;

function bounded(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return excerpt(value, LOG_VALUE_MAX_CHARS);
  if (value === null || typeof value !== 'object') return value;
  const { toJSON } = value as { toJSON?: () => unknown };
  if (typeof toJSON === 'function') return bounded(toJSON.call(value), depth); // a Date, as JSON.stringify shows it
  if (depth >= MAX_DEPTH) return '[…]';
  if (Array.isArray(value)) return value.map((item) => bounded(item, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [excerpt(key, LOG_VALUE_MAX_CHARS), bounded(item, depth + 1)]));
}

export function createLogger(write: (line: string) => void = (line) => process.stdout.write(line)): Logger {
  const log = (level: string, msg: string, fields?: LogFields) =>
    write(
      `${JSON.stringify({ time: new Date().toISOString(), level, msg: bounded(msg, 0), ...(fields ? (bounded(fields, 0) as LogFields) : {}) })}\n`,
    );
  return {
    info: (msg, fields) => log('info', msg, fields),
    warn: (msg, fields) => log('warn', msg, fields),
    error: (msg, fields) => log('error', msg, fields),
  };
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };

/** A logger that keeps its lines, for tests that assert what was (and was not) logged. */
export function createMemoryLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return Object.assign(
    createLogger((line) => lines.push(line)),
    { lines },
  );
}
