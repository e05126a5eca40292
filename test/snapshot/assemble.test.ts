import { describe, expect, it } from 'vitest';
import type { FileCellDoc } from '../../src/fixtures/document.js';
import { parseFixture } from '../../src/fixtures/load.js';
import { fillPath } from '../../src/adapter/openbom/index.js';
import { assembleSnapshot, Missing, Unavailable, isoTime, type SnapshotReader } from '../../src/snapshot/assemble.js';

const ORIGIN = 'https://developer-api.openbom.com';
const account = { appKeys: ['k'], users: [{ username: 'u@example.com', password: 'p' }] };
const fileUrl = (docId: string, name: string) => `${ORIGIN}/document/${docId}/image?filename=${encodeURIComponent(name)}`;

/** Answers from a table of paths; a status number is a refusal; anything else is Missing. */
function reader(answers: Record<string, unknown>, files: string[] = []): SnapshotReader & { fileRequests: string[] } {
  const fileRequests: string[] = [];
  return {
    fileRequests,
    json: (path, params) => {
      const concrete = fillPath(path, params);
      if (!(concrete in answers)) return Promise.reject(new Missing(concrete));
      const answer = answers[concrete];
      return typeof answer === 'number'
        ? Promise.reject(new Unavailable(`GET ${concrete} answered HTTP ${answer}`))
        : Promise.resolve(answer);
    },
    file: (url) => {
      fileRequests.push(url);
      if (!files.includes(url)) return Promise.resolve(null);
      const name = new URL(url).searchParams.get('filename')!;
      return Promise.resolve({ name, base64: Buffer.from(name).toString('base64') } satisfies FileCellDoc);
    },
  };
}

const sequential = <T, R>(items: T[], work: (item: T) => Promise<R>) => Promise.all(items.map(work));
const options = { origin: ORIGIN, account, filesPerRow: Infinity, each: sequential };
const empty = { '/templates': [], '/catalogs': [], '/boms': [], '/orderboms': [], '/propertytables': [] };

describe('assembleSnapshot (what OpenBOM answers → a fixture the loader takes)', () => {
  it('keeps ids, column order, values (JSON null and objects too), "null" file cells and dates; leaves out what the format cannot hold, with warnings', async () => {
    const cat = 'c-1';
    const source = reader(
      {
        ...empty,
        '/catalogs': [{ id: cat, nodeId: 7, name: 'Parts', user: 'a@x', modifiedBy: 'b@x', modified: 1700000000123 }],
        [`/catalog/${cat}`]: {
          createdDate: '07 Aug 2018; 15:48:27 GMT',
          createdBy: 'a@x',
          columns: ['Description', 'Part Number', 'Image', 'Cost', 'Meta'],
          cells: [
            ['first', 'P-1', fileUrl(cat, 'p 1.png'), 3.5, null],
            ['no number', '', 'null', 1, ''],
            ['again', 'P-1', 'null', 2, ''],
            ['numeric', 42, 'null', '', { a: 1 }],
            ['gone', 'P/3', fileUrl(cat, 'gone.pdf'), 0, ''],
          ],
        },
        [`/catalog/${cat}/revisions/partnumber/P-1`]: [{ revision: 'A', revisionNumber: 1, docId: 'd-1', state: 'Released' }],
        [`/catalog/${cat}/revisions/merged/partnumber/P-1`]: {
          createdDate: '01 Jan 2020; 00:00:00 GMT',
          modifiedDate: '01 Jan 2020; 00:00:00 GMT',
          createdBy: 'a@x',
          modifiedBy: 'a@x',
          columns: ['Revision', 'Revision State', 'Description', 'Part Number', 'Image', 'Cost', 'Meta'],
          cells: [['A', 'Released', 'first', 'P-1', 'null', 3, '']],
        },
        [`/catalog/${cat}/revisions/partnumber/42`]: [],
        [`/catalog/${cat}/revisions/partnumber/P%2F3`]: 404,
      },
      [fileUrl(cat, 'p 1.png')],
    );

    const { doc, warnings, counts } = await assembleSnapshot(source, options);

    const catalog = doc.catalogs![0]!;
    expect(catalog).toMatchObject({
      id: cat,
      nodeId: 7,
      name: 'Parts',
      createdBy: 'a@x',
      modifiedBy: 'b@x',
      created: '2018-08-07T15:48:27.000Z',
      modified: '2023-11-14T22:13:20.123Z',
    });
    expect(catalog.columns).toEqual(['Description', 'Part Number', 'Image', 'Cost', 'Meta']);
    expect(catalog.parts.map((p) => p.row)).toEqual([
      {
        Description: 'first',
        'Part Number': 'P-1',
        Image: { name: 'p 1.png', base64: Buffer.from('p 1.png').toString('base64') },
        Cost: 3.5,
        // OpenBOM's JSON null and objects are kept as they came.
        Meta: { verbatim: null },
      },
      { Description: 'numeric', 'Part Number': '42', Image: null, Meta: { verbatim: { a: 1 } } },
    ]);
    expect(catalog.parts[0]!.revisions).toEqual([
      {
        revision: 'A',
        revisionNumber: 1,
        state: 'Released',
        modified: '2020-01-01T00:00:00.000Z',
        modifiedBy: 'a@x',
        docId: 'd-1',
        row: { Image: null, Cost: 3 },
        unset: ['Meta'],
      },
    ]);
    expect(counts).toMatchObject({ parts: 2, incomplete: 0 });
    expect(warnings).toEqual([
      'catalog c-1: a row without a part number, or repeating one, is left out',
      'a file OpenBOM no longer serves is an empty file cell',
      `GET /catalog/${cat}/revisions/partnumber/P%2F3 answered HTTP 404; left out`,
    ]);
    // The result is a fixture the mock loads.
    expect(() => parseFixture(JSON.stringify(doc))).not.toThrow();
  });

  it('--files N: at most N files per row (in column order); the others are empty file cells, never fetched', async () => {
    const cat = 'c-2';
    const urls = ['a.png', 'b.pdf', 'c.step'].map((name) => fileUrl(cat, name));
    const source = reader(
      {
        ...empty,
        '/catalogs': [{ id: cat, name: 'Parts' }],
        [`/catalog/${cat}`]: { columns: ['Part Number', 'A', 'B', 'C'], cells: [['P-1', ...urls]] },
        [`/catalog/${cat}/revisions/partnumber/P-1`]: [],
      },
      urls,
    );
    const { doc, counts } = await assembleSnapshot(source, { ...options, filesPerRow: 1 });
    expect(doc.catalogs![0]!.parts[0]!.row).toMatchObject({ A: { name: 'a.png' }, B: null, C: null });
    expect(source.fileRequests).toEqual([urls[0]]);
    expect(counts.filesLeftOut).toBe(2);
  });

  it('replay: a unit whose answers are not all there (Missing) is left out, the rest stays loadable', async () => {
    const source = reader({
      ...empty,
      '/boms': [
        { id: 'b-1', name: 'Top', bomPartNumber: 'TOP', modified: 1 },
        { id: 'b-2', name: 'Half done', bomPartNumber: 'HALF' },
      ],
      '/bom/b-1?useview=false': { columns: ['Part Number', 'Quantity', 'Cost'], cells: [['HALF', 2, 5]], totalCells: [['', '', 5]] },
      '/bom/b-1': { columns: ['Part Number', 'Cost'], cells: [] },
      '/bom/b-1/revisions': [],
      '/bom/b-2?useview=false': { columns: ['Part Number'], cells: [] },
    });
    const { doc, counts } = await assembleSnapshot(source, options);
    expect(doc.boms).toEqual([
      {
        id: 'b-1',
        name: 'Top',
        modified: '1970-01-01T00:00:00.001Z',
        columns: ['Part Number', 'Quantity', 'Cost'],
        totalColumns: ['Cost'],
        rows: [{ 'Part Number': 'HALF', Quantity: 2, Cost: 5 }],
        partNumber: 'TOP',
        viewColumns: ['Part Number', 'Cost'],
        revisions: [],
      },
    ]);
    expect(counts.incomplete).toBe(1);
    expect(() => parseFixture(JSON.stringify(doc))).not.toThrow();
  });

  it('--boms takes the named BOMs with their sub-assemblies, level by level', async () => {
    const bom = (pn: string, rows: string[]) => ({ columns: ['Part Number'], cells: rows.map((r) => [r]) });
    const answers: Record<string, unknown> = {
      ...empty,
      '/boms': ['A', 'B', 'C', 'D'].map((pn) => ({ id: pn.toLowerCase(), name: pn, bomPartNumber: pn })),
      '/bom/a?useview=false': bom('A', ['B', 'x']),
      '/bom/b?useview=false': bom('B', ['C']),
      '/bom/c?useview=false': bom('C', []),
    };
    for (const id of ['a', 'b', 'c'])
      Object.assign(answers, { [`/bom/${id}`]: answers[`/bom/${id}?useview=false`], [`/bom/${id}/revisions`]: [] });
    const { doc } = await assembleSnapshot(reader(answers), { ...options, boms: ['a'] });
    expect(doc.boms!.map((b) => b.id)).toEqual(['a', 'b', 'c']);
  });

  it("reads OpenBOM's three ways of writing a time", () => {
    expect(isoTime(1518126594320)).toBe('2018-02-08T21:49:54.320Z');
    expect(isoTime('2017-02-16T04:33:55.787Z')).toBe('2017-02-16T04:33:55.787Z');
    expect(isoTime('07 Aug 2018; 15:48:27 GMT')).toBe('2018-08-07T15:48:27.000Z');
    expect(isoTime('soon')).toBeUndefined();
    expect(isoTime(null)).toBeUndefined();
  });

  it('keeps what the mock would not serve back as is: verbatim cells, files on other documents, entry ids, date text', async () => {
    const cat = 'c-3';
    const other = '0d7c6b5a-4e3f-4a1b-9c8d-7e6f5a4b3c2d';
    const source = reader(
      {
        ...empty,
        '/propertytables': [{ id: 't-1', name: 'Props' }],
        '/propertytable/t-1': [
          { name: 'Cost', datatype: 'N' },
          { name: 'Drawing', datatype: 'I' },
        ],
        '/catalogs': [{ id: cat, name: 'Parts', modified: Date.UTC(2024, 0, 2, 3, 4, 5) }],
        [`/catalog/${cat}`]: {
          // createdDate in OpenBOM's usual format is left to the mock to write; anything else is kept.
          createdDate: '01 Jan 2024; 00:00:00 GMT',
          modifiedDate: '2024-01-02 03:04',
          columns: ['Part Number', 'Cost', 'Drawing', 'Tags'],
          cells: [
            ['P-1', 'abc', fileUrl(other, 'shared.pdf'), ['x', 1]],
            ['P-2', '25', '', null],
            ['P-3', 7, fileUrl('odd%20id', 'odd.pdf'), false],
          ],
        },
        [`/catalog/${cat}/revisions/partnumber/P-1`]: [{ id: 'entry-1', revision: 'A', revisionNumber: 1, docId: 'd-1' }],
        [`/catalog/${cat}/revisions/merged/partnumber/P-1`]: {
          createdDate: 'Mon, 01 Jan 2024 00:00:00 GMT',
          modifiedDate: 'Mon, 01 Jan 2024 00:00:00 GMT',
          columns: ['Revision', 'Revision State', 'Part Number', 'Cost', 'Drawing', 'Tags'],
          cells: [['A', 'Released', 'P-1', 'abc', fileUrl(other, 'shared.pdf'), ['x', 1]]],
        },
        [`/catalog/${cat}/revisions/partnumber/P-2`]: [],
        [`/catalog/${cat}/revisions/partnumber/P-3`]: [],
      },
      [fileUrl(other, 'shared.pdf'), fileUrl('odd%20id', 'odd.pdf')],
    );

    const { doc, warnings } = await assembleSnapshot(source, options);

    const catalog = doc.catalogs![0]!;
    expect(catalog).toMatchObject({ created: '2024-01-01T00:00:00.000Z', modifiedDate: '2024-01-02 03:04' });
    expect(catalog).not.toHaveProperty('createdDate');
    expect(catalog.parts.map((p) => p.row)).toEqual([
      {
        'Part Number': 'P-1',
        Cost: { verbatim: 'abc' },
        Drawing: { name: 'shared.pdf', base64: Buffer.from('shared.pdf').toString('base64'), docId: other },
        Tags: { verbatim: ['x', 1] },
      },
      // Numeric text in a number property is OpenBOM's text, not a number; "" in a file property is served as "".
      { 'Part Number': 'P-2', Cost: { verbatim: '25' }, Drawing: { verbatim: '' }, Tags: { verbatim: null } },
      { 'Part Number': 'P-3', Cost: 7, Drawing: { name: 'odd.pdf', base64: Buffer.from('odd.pdf').toString('base64') }, Tags: false },
    ]);
    expect(catalog.parts[0]!.revisions).toEqual([
      {
        revision: 'A',
        revisionNumber: 1,
        modified: '2024-01-01T00:00:00.000Z',
        modifiedDate: 'Mon, 01 Jan 2024 00:00:00 GMT',
        docId: 'd-1',
        id: 'entry-1',
      },
    ]);
    expect(warnings).toEqual(['a file of document "odd id" (not a URL-safe id) is served under the document whose cell names it']);
    const fixture = parseFixture(JSON.stringify(doc));
    expect(fixture.catalogs[0]!.parts[0]!.row.Drawing).toMatchObject({ kind: 'file', docId: other });
  });
});
