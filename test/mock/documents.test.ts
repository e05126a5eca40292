import { describe, expect, it } from 'vitest';
import { IDS, USERNAME, buildTestFixture, file } from './fixture-builder.js';
import { BASE, bodyOf, jsonBody, startMock } from './helpers.js';

const NOT_FOUND = { error: 'Document not found.' };

describe('listings', () => {
  it('GET /boms lists every BOM in the contract structure', async () => {
    const { api } = await startMock();
    const boms = await bodyOf<any[]>(await api('/boms'));
    expect(boms.map((b) => b.name)).toEqual(['Robot', 'Arm assembly', 'Gripper']);
    expect(boms[0]).toEqual({
      nodeId: expect.any(Number),
      bomId: IDS.robot,
      id: IDS.robot,
      name: 'Robot',
      nameuri: null,
      user: USERNAME,
      status: 'active',
      permissionString: 'w',
      permission: 7,
      modifiedBy: USERNAME,
      modified: expect.any(Number),
      bomPartNumber: 'ROBOT-1',
      productionBatch: false,
      released: false,
    });
  });

  it('GET /toplevelboms leaves out BOMs used as sub-assemblies', async () => {
    const { api } = await startMock();
    expect((await bodyOf<any[]>(await api('/toplevelboms'))).map((b) => b.id)).toEqual([IDS.robot]);
  });

  it('GET /orderboms carries numUnits', async () => {
    const { api } = await startMock();
    const [order] = await bodyOf<any[]>(await api('/orderboms'));
    expect(order).toMatchObject({ id: IDS.order, bomId: IDS.order, numUnits: 3, productionBatch: true, name: 'Order 1 Robot' });
  });

  it('GET /catalogs, /templates and /propertytables', async () => {
    const { api } = await startMock();
    const catalogs = await bodyOf<any[]>(await api('/catalogs'));
    expect(catalogs.map((c) => [c.id, c.itemsId, c.name])).toEqual([
      [IDS.mechanical, IDS.mechanical, 'Mechanical parts'],
      [IDS.electrical, IDS.electrical, 'Electrical parts'],
    ]);
    const [template] = await bodyOf<any[]>(await api('/templates'));
    expect(template).toMatchObject({ templateId: IDS.template, id: IDS.template, status: 'A', createdString: '2024-01-15T09:30:05.000Z' });
    const [table] = await bodyOf<any[]>(await api('/propertytables'));
    expect(table).toEqual({
      _id: IDS.propertyTable,
      id: IDS.propertyTable,
      uri: 'urn:openbom:name:engineer%40example.com:props%20table',
      name: 'props table',
      createdBy: USERNAME,
      updatedBy: null,
      created: '2024-01-15T09:30:05.000Z',
      updated: '2024-01-15T09:30:05.000Z',
      private: false,
    });
  });

  it('GET /propertytable/<id> is the array of property objects', async () => {
    const { api } = await startMock();
    const properties = await bodyOf<any[]>(await api(`/propertytable/${IDS.propertyTable}`));
    expect(properties[0]).toEqual(
      expect.objectContaining({ id: 'prop-1', name: 'Vendor', datatype: 'S', privateTableId: IDS.propertyTable, status: 'A' }),
    );
    expect(properties.map((p) => [p.name, p.datatype])).toEqual([
      ['Vendor', 'S'],
      ['Cost', 'N'],
      ['Drawing', 'I'],
    ]);
    expect(await bodyOf(await api('/propertytable/nope'))).toEqual(NOT_FOUND);
  });
});

describe('GET /bom/<id>', () => {
  it('applies the saved view by default and all columns with useview=false', async () => {
    const { api } = await startMock();
    const viewed = await bodyOf(await api(`/bom/${IDS.robot}`));
    expect(viewed).toEqual({
      id: IDS.robot,
      type: 'bom',
      partNumber: 'ROBOT-1',
      name: 'Robot',
      modifiedDate: '15 Jan 2024; 09:30:06 GMT',
      createdDate: '15 Jan 2024; 09:30:05 GMT',
      modifiedBy: USERNAME,
      createdBy: USERNAME,
      columns: ['Part Number', 'Quantity', 'Cost'],
      cells: [
        ['ARM-1', 2, 10],
        ['10-000001', 4, 0.1],
        ['55-554354', 1, 4.5],
      ],
      totalCells: [['', '', 14.6]],
    });
    const full = await bodyOf(await api(`/bom/${IDS.robot}?useview=false`));
    expect(full.columns).toEqual(['Part Number', 'Name', 'Description', 'Quantity', 'Cost', 'Drawing']);
    expect(full.cells[0]).toEqual(['ARM-1', 'Arm', 'Arm assembly', 2, 10, 'null']);
    // File cells are absolute URLs on the origin the client used.
    expect(full.cells[2][5]).toBe(`${BASE}/document/${IDS.robot}/image?filename=55-554354_rev120.pdf`);
  });

  it('rejects a useview that is not a boolean and unknown ids', async () => {
    const { api } = await startMock();
    const bad = await api(`/bom/${IDS.robot}?useview=maybe`);
    expect(bad.status).toBe(400);
    expect(await bodyOf(bad)).toEqual({ error: 'Parameter ["useview"] must be true or false.' });
    const missing = await api('/bom/does-not-exist');
    expect(missing.status).toBe(404);
    expect(await bodyOf(missing)).toEqual(NOT_FOUND);
    // A catalog id is not a BOM id.
    expect((await api(`/bom/${IDS.mechanical}`)).status).toBe(404);
  });

  it('uses the Host the client used for file URLs', async () => {
    const { app, tokens } = await startMock();
    const res = await app.request(`http://other-host:9999/bom/${IDS.robot}?useview=false`, {
      headers: { 'X-OpenBOM-AppKey': 'test-app-key', 'X-OpenBOM-AccessToken': tokens.access_token },
    });
    expect((await bodyOf(res)).cells[2][5]).toMatch(/^http:\/\/other-host:9999\/document\//);
  });
});

describe('GET /flattenedbom/<id>', () => {
  it('multiplies quantities through sub-assemblies and aggregates leaf parts', async () => {
    const { api } = await startMock();
    const flat = await bodyOf(await api(`/flattenedbom/${IDS.robot}`));
    expect(flat.columns).toEqual(['Part Number', 'Name', 'Description', 'Quantity', 'Cost', 'Drawing']);
    // Robot: 2 × Arm (3 bolts, 2 × Gripper (5 nuts)) + 4 bolts + 1 bracket.
    expect(flat.cells.map((row: unknown[]) => [row[0], row[3]])).toEqual([
      ['10-000001', 2 * 3 + 4],
      ['10-000002', 2 * 2 * 5],
      ['55-554354', 1],
    ]);
    expect(flat.totalCells).toEqual([['', '', '', '', 4.8, '']]);
    expect((await api('/flattenedbom/nope')).status).toBe(404);
  });
});

describe('GET /orderbom/<id> and /catalog/<id>', () => {
  it('serves the order BOM with numUnits', async () => {
    const { api } = await startMock();
    const order = await bodyOf(await api(`/orderbom/${IDS.order}`));
    expect(order).toMatchObject({
      id: IDS.order,
      type: 'bom',
      numUnits: 3,
      columns: ['Part Number', 'Quantity', 'Cost'],
      cells: [['ARM-1', 2, 10]],
    });
    expect((await api(`/orderbom/${IDS.robot}`)).status).toBe(404);
  });

  it('serves the catalog with its current rows; empty image cells are "null"', async () => {
    const { api } = await startMock();
    const catalog = await bodyOf(await api(`/catalog/${IDS.mechanical}`));
    expect(Object.keys(catalog)).toEqual([
      'id',
      'type',
      'name',
      'modifiedDate',
      'createdDate',
      'modifiedBy',
      'createdBy',
      'columns',
      'cells',
    ]);
    expect(catalog.type).toBe('catalog');
    expect(catalog.cells).toHaveLength(4);
    expect(catalog.cells[0]).toEqual([
      '55-554354',
      'Bracket',
      'Steel bracket',
      4.5,
      `${BASE}/document/${IDS.mechanical}/image?filename=55-554354_rev120.pdf`,
      'null',
    ]);
    expect((await api('/catalog/nope')).status).toBe(404);
  });

  it('GET /catalog/<id>/item?partNumber= is the catalog document narrowed to that row (the shape the public C# client reads)', async () => {
    const { api } = await startMock();
    const item = await bodyOf(await api(`/catalog/${IDS.mechanical}/item?partNumber=10-000001`));
    expect(item).toMatchObject({
      id: IDS.mechanical,
      type: 'catalog',
      partNumber: '10-000001',
      columns: ['Part Number', 'Name', 'Description', 'Cost', 'Drawing', 'Thumbnail image'],
    });
    expect(item.cells).toEqual([
      ['10-000001', 'Bolt M6', 'Hex bolt', 0.1, 'null', `${BASE}/document/${IDS.mechanical}/image?filename=bolt.png`],
    ]);
    const missing = await api(`/catalog/${IDS.mechanical}/item?partNumber=nope`);
    expect(missing.status).toBe(404);
    expect(await bodyOf(missing)).toEqual({ error: 'Part not found.' });
    const noParam = await api(`/catalog/${IDS.mechanical}/item`);
    expect(noParam.status).toBe(400);
    expect(await bodyOf(noParam)).toEqual({ error: 'Parameter ["partNumber"] not found.' });
  });
});

describe('revisions', () => {
  it('lists and serves BOM revisions', async () => {
    const { api } = await startMock();
    expect(await bodyOf(await api(`/bom/${IDS.robot}/revisions`))).toEqual([
      { id: 'bom-rev-robot-1', revisionNumber: 1, docId: IDS.robot, description: 'first release' },
    ]);
    const revision = await bodyOf(await api(`/bom/${IDS.robot}/revision/1`));
    expect(revision).toMatchObject({ id: 'bom-rev-robot-1', type: 'bom', partNumber: 'ROBOT-1', createdDate: '15 Jan 2024; 09:30:05 GMT' });
    expect(revision.cells).toEqual([['ARM-1', 'Arm', 'Arm assembly', 1, 10, 'null']]);
    expect(await bodyOf(await api(`/bom/${IDS.gripper}/revisions`))).toEqual([]);
    const unknown = await api(`/bom/${IDS.robot}/revision/7`);
    expect(unknown.status).toBe(404);
    expect(await bodyOf(unknown)).toEqual({ error: 'Revision not found.' });
    expect((await api(`/bom/${IDS.robot}/revision/first`)).status).toBe(400);
  });

  it('lists item revisions oldest first, with the part BOM as bomRevision', async () => {
    const { api } = await startMock();
    const revisions = await bodyOf<any[]>(await api(`/catalog/${IDS.mechanical}/revisions/partnumber/55-554354`));
    expect(revisions.map((r) => [r.revision, r.revisionNumber, r.state, r.bomRevision])).toEqual([
      ['119', 1, 'Released', null],
      ['120', 2, 'In Work', null],
    ]);
    expect(revisions[0]).toMatchObject({ partNumber: '55-554354', docId: 'rev-55-554354-1', id: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    const arm = await bodyOf<any[]>(await api(`/catalog/${IDS.mechanical}/revisions/partnumber/ARM-1`));
    expect(arm[0].bomRevision).toMatchObject({ bomId: IDS.arm, bomPartNumber: 'ARM-1', revisionNumber: 1, revision: 'A', numUnits: null });
    expect(await bodyOf(await api(`/catalog/${IDS.mechanical}/revisions/partnumber/unknown`))).toEqual([]);
    expect((await api('/catalog/nope/revisions/partnumber/55-554354')).status).toBe(404);
  });

  it('merges the revisions of an item into one document, revisions carrying different files', async () => {
    const { api } = await startMock();
    const merged = await bodyOf(await api(`/catalog/${IDS.mechanical}/revisions/merged/partnumber/55-554354`));
    expect(merged).toMatchObject({ id: IDS.mechanical, type: 'catalog', name: 'Mechanical parts', partNumber: '55-554354' });
    expect(merged.columns.slice(0, 3)).toEqual(['Revision', 'Revision State', 'Part Number']);
    const drawing = merged.columns.indexOf('Drawing');
    expect(merged.cells.map((row: string[]) => [row[0], row[1], row[drawing]])).toEqual([
      ['119', 'Released', `${BASE}/document/${IDS.mechanical}/image?filename=55-554354_rev119.pdf`],
      ['120', 'In Work', `${BASE}/document/${IDS.mechanical}/image?filename=55-554354_rev120.pdf`],
    ]);
    const unknown = await api(`/catalog/${IDS.mechanical}/revisions/merged/partnumber/unknown`);
    expect(unknown.status).toBe(404);
    expect(await bodyOf(unknown)).toEqual({ error: 'Part not found.' });
  });
});

describe('POST /boms/byparams', () => {
  it('matches every given key', async () => {
    const { api } = await startMock();
    const byName = await bodyOf<any[]>(await api('/boms/byparams', jsonBody({ name: 'Gripper' })));
    expect(byName.map((b) => b.id)).toEqual([IDS.gripper]);
    const byPartNumber = await bodyOf<any[]>(await api('/boms/byparams', jsonBody({ bomPartNumber: 'ARM-1' })));
    expect(byPartNumber.map((b) => b.id)).toEqual([IDS.arm]);
    expect(await bodyOf(await api('/boms/byparams', jsonBody({ name: 'Gripper', bomPartNumber: 'ARM-1' })))).toEqual([]);
    expect(await bodyOf(await api('/boms/byparams', jsonBody({ name: 'Arm assembly', bomPartNumber: 'ARM-1' })))).toHaveLength(1);
  });

  it('rejects unknown keys and an empty query', async () => {
    const { api } = await startMock();
    const unknown = await api('/boms/byparams', jsonBody({ colour: 'red' }));
    expect(unknown.status).toBe(400);
    expect((await bodyOf(unknown)).error).toContain('colour');
    expect((await api('/boms/byparams', jsonBody({}))).status).toBe(400);
    expect((await api('/boms/byparams', jsonBody({ name: 7 }))).status).toBe(400);
  });
});

describe('what a snapshot keeps as OpenBOM served it', () => {
  const SHARED_DOC = '66666666-0000-4000-8000-000000000001';
  const SHARED_FILE = { ...file('shared sheet.pdf', '%PDF shared'), docId: SHARED_DOC };

  /** The test fixture with verbatim cells, a file on another document, an entry id and OpenBOM's date text. */
  function servedAsIs() {
    const fixture = buildTestFixture();
    const mechanical = fixture.catalogs[0]!;
    const bracket = mechanical.parts[0]!;
    // The current row is the latest revision's row in the store; both get the same changes.
    Object.assign(bracket.row, {
      Cost: { kind: 'verbatim', value: 'abc' },
      Description: { kind: 'verbatim', value: { lang: 'en', text: ['a'] } },
    });
    bracket.row['Thumbnail image'] = { kind: 'verbatim', value: null };
    fixture.catalogs[0]!.parts[1]!.row.Drawing = SHARED_FILE;
    bracket.revisions[0]!.id = 'entry-119';
    bracket.revisions[0]!.modifiedDate = 'Mon, 15 Jan 2024 09:30:05 GMT';
    Object.assign(mechanical, { createdDate: '2024-01-15 09:30', modifiedDate: '15 Jan 2024; 09:30:05.123 GMT' });
    Object.assign(fixture.boms[0]!.revisions[0]!, { createdDate: 'created text', modifiedDate: 'modified text' });
    return fixture;
  }

  // validate off: spec/openbom.yaml describes the cells and dates the mock itself writes; these are OpenBOM's own.
  const start = () => startMock({ fixture: servedAsIs(), validate: false });

  it('serves verbatim cells and date text as they are, and a file cell on the document it names', async () => {
    const { api } = await start();
    const catalog = await bodyOf(await api(`/catalog/${IDS.mechanical}`));
    expect(catalog).toMatchObject({ createdDate: '2024-01-15 09:30', modifiedDate: '15 Jan 2024; 09:30:05.123 GMT' });
    const column = (name: string) => catalog.columns.indexOf(name);
    expect(catalog.cells[0][column('Cost')]).toBe('abc');
    expect(catalog.cells[0][column('Description')]).toEqual({ lang: 'en', text: ['a'] });
    expect(catalog.cells[0][column('Thumbnail image')]).toBeNull();
    const url = `${BASE}/document/${SHARED_DOC}/image?filename=shared%20sheet.pdf`;
    expect(catalog.cells[1][column('Drawing')]).toBe(url);
    const revision = await bodyOf(await api(`/bom/${IDS.robot}/revision/1`));
    expect(revision).toMatchObject({ createdDate: 'created text', modifiedDate: 'modified text' });
    const merged = await bodyOf(await api(`/catalog/${IDS.mechanical}/revisions/merged/partnumber/55-554354`));
    // The merged document's createdDate is its first revision's date; the latest has none, so its modified is formatted.
    expect(merged).toMatchObject({ createdDate: 'Mon, 15 Jan 2024 09:30:05 GMT', modifiedDate: '16 Jan 2024; 09:30:05 GMT' });
  });

  it('serves the file of another document under that id, and 404s an id nothing names', async () => {
    const { api, app } = await start();
    const redirect = await api(`/document/${SHARED_DOC}/image?filename=shared%20sheet.pdf`);
    expect(redirect.status).toBe(302);
    const stored = await app.request(redirect.headers.get('location')!);
    expect(stored.status).toBe(200);
    expect(await stored.text()).toBe('%PDF shared');
    // Not under the catalog whose cell names it, and not under an id no cell names.
    expect((await api(`/document/${IDS.mechanical}/image?filename=shared%20sheet.pdf`)).status).toBe(404);
    const unknown = await api(`/document/66666666-0000-4000-8000-000000000009/image?filename=shared%20sheet.pdf`);
    expect(unknown.status).toBe(404);
    expect(await bodyOf(unknown)).toEqual(NOT_FOUND);
  });

  it('serves an item revision entry id as given, derives the others', async () => {
    const { api } = await start();
    const revisions = await bodyOf<any[]>(await api(`/catalog/${IDS.mechanical}/revisions/partnumber/55-554354`));
    expect(revisions[0].id).toBe('entry-119');
    expect(revisions[1].id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });

  it('formats modifiedDate again once the mock changes the document (the text no longer holds)', async () => {
    const { api, clock } = await start();
    clock.set(Date.UTC(2025, 4, 6, 7, 8, 9));
    const write = await api(
      `/catalog/${IDS.mechanical}/propertyvalue`,
      jsonBody({ partNumberPropertyName: 'Part Number', partNumber: '10-000002', propertyName: 'Name', propertyValue: 'Nut' }),
    );
    expect(write.status).toBe(200);
    const catalog = await bodyOf(await api(`/catalog/${IDS.mechanical}`));
    expect(catalog).toMatchObject({ createdDate: '2024-01-15 09:30', modifiedDate: '06 May 2025; 07:08:09 GMT' });
  });
});
