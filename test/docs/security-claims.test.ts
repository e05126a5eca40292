/**
 * SECURITY.md proves each claim by naming a test (`test/…ts` — "its name"). A renamed or deleted test would leave a
 * claim without proof while the document still points at it: every named test must exist under that name.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');
const text = readFileSync(join(root, 'SECURITY.md'), 'utf8').replace(/\s+/g, ' ');

/** Each `test/…ts` reference with the quoted names that follow it, up to the next file reference. */
function namedTests(): Array<{ file: string; name: string }> {
  const references: Array<{ file: string; name: string }> = [];
  const parts = text.split(/`(test\/[^`]+?\.ts)`/);
  for (let index = 1; index < parts.length; index += 2) {
    const file = parts[index]!;
    const following = parts[index + 1] ?? '';
    for (const match of following.matchAll(/"([^"]{12,})"/g)) references.push({ file, name: match[1]! });
  }
  return references;
}

/** A test title as written in source, with quotes unescaped and white space folded. */
function titlesIn(file: string): string {
  return readFileSync(join(root, file), 'utf8')
    .replace(/\\(['"`])/g, '$1')
    .replace(/\s+/g, ' ');
}

describe('SECURITY.md', () => {
  const references = namedTests();

  it('names tests at all', () => {
    expect(references.length).toBeGreaterThan(40);
  });

  it.each(references)('$file names "$name"', ({ file, name }) => {
    expect(existsSync(join(root, file)), `${file} exists`).toBe(true);
    // "…" marks a name cut short in the document, and " › " a describe block before the test's own name.
    const pieces = name
      .split(/…| › /)
      .map((piece) => piece.trim())
      .filter((piece) => piece.length > 0);
    const source = titlesIn(file);
    for (const piece of pieces) expect(source, `${file} has a test named "${name}"`).toContain(piece);
  });
});
