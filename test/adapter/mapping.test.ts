import { describe, expect, it } from 'vitest';
import {
  cellText,
  downloadLink,
  filesOfRow,
  findRevision,
  isOpenBomFileUrl,
  parseOpenBomFileUrl,
  rowOfRevision,
  safeFileName,
  tableRows,
  toJakamoDocuments,
} from '../../src/adapter/mapping.js';

const ORIGIN = 'https://developer-api.openbom.com';
const mapping = { partNumberColumn: 'Part Number', revisionColumn: 'Revision', descriptionColumn: 'Description' };
const DOC = '3f6c2a10-8d4e-4b7a-9c61-2e5d8a7b1c01';
const url = (name: string, origin = ORIGIN) => `${origin}/document/${DOC}/image?filename=${encodeURIComponent(name)}`;

describe('parseOpenBomFileUrl / isOpenBomFileUrl', () => {
  it('reads the file name from an OpenBOM file URL', () => {
    expect(parseOpenBomFileUrl(url('Spec sheet ü.pdf'))).toEqual({ url: url('Spec sheet ü.pdf'), fileName: 'Spec sheet ü.pdf' });
  });

  it.each([
    ['null'],
    [''],
    [null],
    [42],
    ['just text'],
    [`${ORIGIN}/document/${DOC}/image`],
    [`${ORIGIN}/document/${DOC}/thumbnail?filename=a`],
    ['ftp://x/document/d/image?filename=a'],
  ])('rejects %j', (value) => {
    expect(parseOpenBomFileUrl(value)).toBeUndefined();
  });

  it.each([
    ['an id that is not a UUID', `${ORIGIN}/document/doc-1/image?filename=a.pdf`],
    ['an encoded slash in the id', `${ORIGIN}/document/${DOC}%2F..%2F..%2Fcatalogs/image?filename=a.pdf`],
    ['an encoded dot-dot as the id', `${ORIGIN}/document/%2E%2E/image?filename=a.pdf`],
    ['a UUID with a suffix', `${ORIGIN}/document/${DOC}-1/image?filename=a.pdf`],
    ['a file name that is only dots and slashes', `${ORIGIN}/document/${DOC}/image?filename=..%2F..%2F..`],
  ])('is no OpenBOM file URL with %s (never fetched with OpenBOM credentials)', (_, value) => {
    expect(parseOpenBomFileUrl(value)).toBeUndefined();
    expect(isOpenBomFileUrl(value, ORIGIN)).toBe(false);
  });

  it('accepts a document id in upper-case hex too', () => {
    expect(parseOpenBomFileUrl(url('a.pdf').replace(DOC, DOC.toUpperCase()))?.fileName).toBe('a.pdf');
  });

  it('accepts only the configured origin', () => {
    expect(isOpenBomFileUrl(url('a.pdf'), ORIGIN)).toBe(true);
    expect(isOpenBomFileUrl(url('a.pdf'), `${ORIGIN}/`)).toBe(true);
    expect(isOpenBomFileUrl(url('a.pdf', 'https://evil.example'), ORIGIN)).toBe(false);
    expect(isOpenBomFileUrl(url('a.pdf', 'https://developer-api.openbom.com:8443'), ORIGIN)).toBe(false);
  });
});

describe('safeFileName: the names handed to Jakamo', () => {
  it.each([
    ['../../../etc/passwd', 'passwd'],
    ['..\\..\\Windows\\win.ini', 'win.ini'],
    ['C:\\fakepath\\drawing.pdf', 'drawing.pdf'],
    ['/etc/', ''],
    ['..', ''],
    ['...', ''],
    ['report\u202Efdp.exe', 'reportfdp.exe'],
    ['a\u2066b\u2069c\u200e\u200f\u061c.pdf', 'abc.pdf'],
    ['line\nbreak\r\t\u0000\u007f\u0085.pdf', 'linebreak.pdf'],
    ['para\u2028graph\u2029.pdf', 'paragraph.pdf'],
    ['  spaced.pdf  ', 'spaced.pdf'],
    ['Zu\u0308rich.pdf', 'Zürich.pdf'],
    ['設計図 №1 — ü.pdf', '設計図 №1 — ü.pdf'],
    ['My "quoted" drawing.pdf', 'My "quoted" drawing.pdf'],
  ])('%j → %j', (name, expected) => {
    expect(safeFileName(name)).toBe(expected);
  });

  it("lists the safe name, while the URL fetched stays OpenBOM's own", () => {
    const value = url('../../../etc/passwd');
    expect(filesOfRow({ Drawing: value }, mapping, ORIGIN)).toEqual([
      { column: 'Drawing', type: 'Drawing', fileName: 'passwd', description: '', url: value },
    ]);
  });
});

describe('rows and the part index', () => {
  const table = {
    columns: ['Part Number', 'Revision', 'Description', 'Revision'],
    cells: [
      ['P-1', 'A', 'first', 'ignored'],
      [' P-2 ', 'B', null],
      ['', 'C', 'no part number'],
    ],
  };

  it('keys rows by column, the first of repeated columns winning', () => {
    expect(tableRows(table)[0]).toEqual({ 'Part Number': 'P-1', Revision: 'A', Description: 'first' });
  });

  it('reads cells as trimmed text with empty cells as ""', () => {
    expect([cellText(null), cellText(undefined), cellText('null'), cellText(' 120 '), cellText(120), cellText(false)]).toEqual([
      '',
      '',
      '',
      '120',
      '120',
      'false',
    ]);
  });
});

describe('filesOfRow', () => {
  const row = {
    'Part Number': 'P-1',
    Description: 'Bracket',
    'Thumbnail image': 'null',
    Drawing: url('drawing.pdf'),
    'CAD Model': '',
    Notes: 'see https://example.com',
    Elsewhere: url('evil.pdf', 'https://evil.example'),
  };

  it('treats every column holding an OpenBOM file URL as a file typed by its column name', () => {
    expect(filesOfRow(row, mapping, ORIGIN)).toEqual([
      { column: 'Drawing', type: 'Drawing', fileName: 'drawing.pdf', description: 'Bracket', url: url('drawing.pdf') },
    ]);
  });

  it('uses only the configured columns and types when given', () => {
    const withThumb = { ...row, 'Thumbnail image': url('thumb.png') };
    const files = filesOfRow(
      withThumb,
      {
        ...mapping,
        files: [
          { column: 'Thumbnail image', type: 'Picture' },
          { column: 'Elsewhere', type: 'X' },
        ],
      },
      ORIGIN,
    );
    expect(files.map((f) => [f.column, f.type, f.fileName])).toEqual([['Thumbnail image', 'Picture', 'thumb.png']]);
  });

  it.each([
    ['"null" (the contract\'s empty file cell)', 'null'],
    ['""', ''],
    ['null', null],
    ['a missing cell', undefined],
  ])('treats %s as no file, in configured and in detected file columns', (_, empty) => {
    const cells = { ...row, 'Thumbnail image': empty, Drawing: empty, 'CAD Model': url('model.step') };
    const configured = {
      ...mapping,
      files: [
        { column: 'Thumbnail image', type: 'Picture' },
        { column: 'Drawing', type: 'Drawing' },
        { column: 'CAD Model', type: 'CAD' },
      ],
    };
    expect(filesOfRow(cells, configured, ORIGIN).map((f) => f.column)).toEqual(['CAD Model']);
    expect(filesOfRow(cells, mapping, ORIGIN).map((f) => f.column)).toEqual(['CAD Model']);
  });

  it('gives an empty description when the description column is missing or empty', () => {
    expect(filesOfRow({ Drawing: url('a.pdf') }, mapping, ORIGIN)[0]?.description).toBe('');
    expect(filesOfRow({ Drawing: url('a.pdf'), Description: 'null' }, mapping, ORIGIN)[0]?.description).toBe('');
  });
});

describe('revisions', () => {
  const revisions = [{ revision: '119' }, { revision: 120 }, { revision: null }];

  it('finds a revision by its label as text', () => {
    expect(findRevision(revisions, '120')).toBe(1);
    expect(findRevision(revisions, '119')).toBe(0);
    expect(findRevision(revisions, '121')).toBe(-1);
  });

  it('takes the merged row whose revision label matches', () => {
    const merged = {
      columns: ['Revision', 'Revision State', 'Part Number', 'Drawing'],
      cells: [
        ['119', 'Released', 'P', 'a'],
        ['120', 'In Work', 'P', 'b'],
      ],
    };
    expect(rowOfRevision(merged, '120', 0, 2, 'Revision')).toMatchObject({ Drawing: 'b' });
  });

  it('matches on the mapped revision column too, then by position when rows and revisions line up', () => {
    const merged = {
      columns: ['Rev', 'Drawing'],
      cells: [
        ['A', 'a'],
        ['B', 'b'],
      ],
    };
    expect(rowOfRevision(merged, 'B', 0, 2, 'Rev')).toMatchObject({ Drawing: 'b' });
    const unlabeled = { columns: ['Drawing'], cells: [['a'], ['b']] };
    expect(rowOfRevision(unlabeled, 'B', 1, 2, 'Rev')).toMatchObject({ Drawing: 'b' });
    expect(rowOfRevision(unlabeled, 'B', 1, 3, 'Rev')).toBeUndefined();
  });
});

describe('links and documents', () => {
  it('builds links on the public base URL with only material, revision, column and file name', () => {
    expect(
      downloadLink('https://a.example/api', { materialId: '55-554354', revision: '', column: 'CAD Model', fileName: 'a&b #1.pdf' }),
    ).toBe('https://a.example/api/materials/documents/download?materialId=55-554354&column=CAD+Model&fileName=a%26b+%231.pdf');
    const withRevision = new URL(
      downloadLink('https://a.example', { materialId: 'M', revision: '119', column: 'Drawing', fileName: 'ü.pdf' }),
    );
    expect(Object.fromEntries(withRevision.searchParams)).toEqual({
      materialId: 'M',
      revision: '119',
      column: 'Drawing',
      fileName: 'ü.pdf',
    });
  });

  it('maps files to Jakamo documents', () => {
    const documents = toJakamoDocuments(
      [{ column: 'Drawing', type: 'Drawing', fileName: 'a.pdf', description: 'd', url: url('a.pdf') }],
      'https://x.example',
      'M',
      '2',
    );
    expect(documents).toEqual([
      {
        fileName: 'a.pdf',
        description: 'd',
        type: 'Drawing',
        link: 'https://x.example/materials/documents/download?materialId=M&revision=2&column=Drawing&fileName=a.pdf',
      },
    ]);
  });
});
