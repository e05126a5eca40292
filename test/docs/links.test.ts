/**
 * The README and docs/ stay navigable: every relative link reaches a file of the repository, every #anchor a heading
 * of its target (as GitHub renders it), and the README stays a short start, not a reference.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/cli.js';

const README_MAX_CHARS = 15_000;

/** Markdown without fenced code blocks and inline code spans, where `[x](y)` and `# x` are not syntax. */
function proseOf(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').replace(/`[^`\n]*`/g, '``');
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens, `-1`, `-2` for repeats. */
function anchorsOf(markdown: string): Set<string> {
  const withoutFences = markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '');
  const anchors = new Set<string>();
  for (const [, heading] of withoutFences.matchAll(/^#{1,6}[ \t]+(.+?)[ \t#]*$/gm)) {
    const text = heading!.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/`/g, '');
    const base = text
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\p{M}\p{Pc}\- ]/gu, '')
      .replace(/ /g, '-');
    let anchor = base;
    for (let repeat = 1; anchors.has(anchor); repeat++) anchor = `${base}-${repeat}`;
    anchors.add(anchor);
  }
  return anchors;
}

/** Every broken relative link or anchor in one Markdown file, as `file: target (reason)`. */
function brokenLinks(file: string): string[] {
  const markdown = readFileSync(file, 'utf8');
  const broken: string[] = [];
  for (const [, rawTarget] of proseOf(markdown).matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
    const target = rawTarget!;
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto: …: not a file of this repository
    const [pathPart, anchor] = target.split('#', 2) as [string, string | undefined];
    const targetFile = pathPart === '' ? file : resolve(dirname(file), decodeURIComponent(pathPart));
    const where = `${relative(REPO_ROOT, file)}: ${target}`;
    if (!existsSync(targetFile)) {
      broken.push(`${where} (no such file)`);
    } else if (anchor !== undefined) {
      if (!targetFile.endsWith('.md')) broken.push(`${where} (an anchor into a file that is not Markdown)`);
      else if (!anchorsOf(readFileSync(targetFile, 'utf8')).has(anchor)) broken.push(`${where} (no such heading)`);
    }
  }
  return broken;
}

const docsDir = join(REPO_ROOT, 'docs');
const documents = [
  join(REPO_ROOT, 'README.md'),
  ...readdirSync(docsDir)
    .filter((name) => name.endsWith('.md'))
    .map((name) => join(docsDir, name)),
];

describe('README.md and docs/', () => {
  it('README.md is a short start: at most 15,000 characters', () => {
    const length = [...readFileSync(join(REPO_ROOT, 'README.md'), 'utf8')].length;
    expect(length).toBeLessThanOrEqual(README_MAX_CHARS);
  });

  it('docs/ has the reference pages the README links to, and an index', () => {
    for (const page of ['README', 'serve', 'deployment', 'limits', 'faults', 'mock', 'fixtures', 'conformance', 'development']) {
      expect(existsSync(join(docsDir, `${page}.md`)), `docs/${page}.md`).toBe(true);
    }
  });

  it.each(documents.map((file) => [relative(REPO_ROOT, file), file]))('%s: every relative link and #anchor resolves', (_name, file) => {
    expect(brokenLinks(file)).toEqual([]);
  });

  it('the checker finds a missing file, a missing heading and an anchor into a non-Markdown file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'jakamo-kit-links-'));
    try {
      writeFileSync(join(dir, 'other.md'), '# `jakamo-kit serve` — the adapter\n\n## Limits\n\n## Limits\n');
      writeFileSync(join(dir, 'data.txt'), 'plain');
      const page = join(dir, 'page.md');
      writeFileSync(
        page,
        [
          '# Page',
          '[ok](other.md#jakamo-kit-serve--the-adapter) [ok](other.md#limits-1) [ok](#page) [ok](https://example.com/x)',
          '[gone](missing.md) [no heading](other.md#nothing) [not md](data.txt#x) [self](#nowhere)',
          '`[in code](ignored.md)`',
          '```',
          '[in a fence](ignored-too.md)',
          '```',
        ].join('\n'),
      );
      const found = brokenLinks(page).map((line) => line.replace(/^.*?: /, ''));
      expect(found).toEqual([
        'missing.md (no such file)',
        'other.md#nothing (no such heading)',
        'data.txt#x (an anchor into a file that is not Markdown)',
        '#nowhere (no such heading)',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
