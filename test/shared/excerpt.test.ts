/** excerpt(): what of a request value may reach a log line or an error body; and the logger's own bound on every line. */
import { describe, expect, it } from 'vitest';
import { REQUEST_EXCERPT_CHARS, excerpt } from '../../src/shared/limits.js';
import { createMemoryLogger, LOG_VALUE_MAX_CHARS } from '../../src/shared/logger.js';

const bytes = (text: string) => Buffer.byteLength(text);

describe('excerpt()', () => {
  it('leaves a short, printable value as it is', () => {
    expect(excerpt('/materials/documents?materialId=55-554354')).toBe('/materials/documents?materialId=55-554354');
    expect(excerpt('Zürich 東京 📄')).toBe('Zürich 東京 📄');
    const exact = 'a'.repeat(REQUEST_EXCERPT_CHARS);
    expect(excerpt(exact)).toBe(exact);
  });

  it('cuts a longer value to the bound, with an ellipsis and the original length', () => {
    expect(excerpt('a'.repeat(REQUEST_EXCERPT_CHARS + 1))).toBe(
      `${'a'.repeat(REQUEST_EXCERPT_CHARS)}… (${REQUEST_EXCERPT_CHARS + 1} chars)`,
    );
    expect(excerpt('abcdef', 3)).toBe('abc… (6 chars)');
  });

  it('escapes controls, bidi and other format characters, line separators and lone surrogates', () => {
    expect(excerpt('a\nb\r\u0000\u001b[31m\u007f\u0085')).toBe('a\\u{a}b\\u{d}\\u{0}\\u{1b}[31m\\u{7f}\\u{85}');
    expect(excerpt('\u202eevil\u2066\u200b\u2028\u2029')).toBe('\\u{202e}evil\\u{2066}\\u{200b}\\u{2028}\\u{2029}');
    expect(excerpt('x\ud800y\udc00')).toBe('x\\u{d800}y\\u{dc00}');
  });

  it('counts escapes against the bound and never splits an escape or a character made of two code units', () => {
    expect(excerpt('\n'.repeat(100), 20)).toBe(`${'\\u{a}'.repeat(4)}… (100 chars)`);
    expect(excerpt('📄📄📄', 3)).toBe('📄… (6 chars)');
  });

  it('costs no more for 50 MiB than for a short value', () => {
    const huge = 'x'.repeat(50 * 1024 * 1024);
    const started = performance.now();
    for (let i = 0; i < 1_000; i++) excerpt(huge);
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});

describe('the logger', () => {
  it('bounds and escapes every string of a line, keys and nested values included, and keeps one line', () => {
    const logger = createMemoryLogger();
    const long = 'v'.repeat(1024 * 1024);
    logger.warn(`message\n${long}`, { reason: long, nested: { list: [long, 'short'] }, [long]: 1, count: 3, at: new Date(0) });
    expect(logger.lines).toHaveLength(1);
    const line = logger.lines[0]!;
    expect(line.endsWith('\n')).toBe(true);
    expect(line.slice(0, -1)).not.toContain('\n');
    expect(bytes(line)).toBeLessThan(6 * (LOG_VALUE_MAX_CHARS + 30));
    const entry = JSON.parse(line);
    expect(entry.msg).toMatch(/^message\\u\{a\}v+… \(1048584 chars\)$/);
    expect(entry.reason).toBe(`${'v'.repeat(LOG_VALUE_MAX_CHARS)}… (1048576 chars)`);
    expect(entry.nested.list).toEqual([entry.reason, 'short']);
    expect(entry).toMatchObject({ count: 3, at: '1970-01-01T00:00:00.000Z', level: 'warn' });
  });
});
