import { describe, expect, it } from 'vitest';
import { IDS, USERNAME } from './fixture-builder.js';
import { bodyOf, itemRow, jsonBody, startMock } from './helpers.js';

const put = (body: unknown) => jsonBody(body, 'PUT');

describe('POST /bom/create', () => {
  it('creates a BOM (200, the BOM document) that every later read shows', async () => {
    const { api, clock } = await startMock();
    clock.set(Date.UTC(2025, 5, 1, 12, 0, 0));
    const res = await api('/bom/create', jsonBody({ docName: 'New BOM', bomPartNumber: 'NB-1', catalogId: '', templateId: '' }));
    expect(res.status).toBe(200);
    const created = await bodyOf(res);
    expect(created).toMatchObject({
      type: 'bom',
      name: 'New BOM',
      partNumber: 'NB-1',
      createdDate: '01 Jun 2025; 12:00:00 GMT',
      createdBy: USERNAME,
      cells: [],
    });
    expect(created.columns).toContain('Part Number');
    const listed = await bodyOf<any[]>(await api('/boms'));
    expect(listed.find((b) => b.id === created.id)).toMatchObject({ bomPartNumber: 'NB-1', modified: Date.UTC(2025, 5, 1, 12) });
    expect((await api(`/bom/${created.id}`)).status).toBe(200);
    expect(await bodyOf(await api('/boms/byparams', jsonBody({ bomPartNumber: 'NB-1' })))).toHaveLength(1);
  });

  it("uses a template's columns and defaults the part number to the name", async () => {
    const { api } = await startMock();
    const created = await bodyOf(await api('/bom/create', jsonBody({ docName: 'From template', templateId: IDS.template })));
    expect(created.columns).toEqual(['Part Number', 'Vendor', 'Cost']);
    expect(created.partNumber).toBe('From template');
    expect(created.totalCells).toEqual([['', '', 0]]);
  });

  it('rejects a duplicate name, a missing name and unknown catalog/template ids', async () => {
    const { api } = await startMock();
    const duplicate = await api('/bom/create', jsonBody({ docName: 'Robot' }));
    expect(duplicate.status).toBe(400);
    expect(await bodyOf(duplicate)).toEqual({ error: 'BOM exists with name, BOM names are unique.' });
    expect(await bodyOf(await api('/bom/create', jsonBody({})))).toEqual({ error: 'Parameter ["docName"] not found.' });
    expect((await api('/bom/create', jsonBody({ docName: 'x', templateId: 'nope' }))).status).toBe(404);
    expect((await api('/bom/create', jsonBody({ docName: 'x', catalogId: 'nope' }))).status).toBe(404);
  });
});

describe('POST /catalog/create', () => {
  it('creates a catalog (201) whose pattern generates part numbers for rows sent without one', async () => {
    const { api } = await startMock();
    const res = await api(
      '/catalog/create',
      jsonBody({
        docName: 'Generated',
        autoPartNumbers: true,
        uniquePartNumbers: false,
        partNumberPattern: { prefix: 'PREFIX', separator: '-', seqStart: '1', seqEnd: '5', seqStep: '2', suffix: 'SUFFIX' },
      }),
    );
    expect(res.status).toBe(201);
    const catalog = await bodyOf(res);
    expect(catalog).toMatchObject({ type: 'catalog', name: 'Generated', cells: [] });
    const results = await bodyOf(
      await api(
        `/catalog/${catalog.id}/parts`,
        put([{ properties: { Name: 'a' } }, { properties: { Name: 'b' } }, { properties: { Name: 'c' } }, { properties: { Name: 'd' } }]),
      ),
    );
    // 1, 3, 5, then the sequence (seqEnd 5) is exhausted.
    expect(results).toEqual([{ 'PREFIX-1-SUFFIX': 'OK' }, { 'PREFIX-3-SUFFIX': 'OK' }, { 'PREFIX-5-SUFFIX': 'OK' }, { '': 'ERROR' }]);
    const listed = await bodyOf<any[]>(await api('/catalogs'));
    expect(listed.map((c) => c.name)).toContain('Generated');
  });

  it('pads generated numbers like seqStart and skips numbers already in use', async () => {
    const { api } = await startMock();
    // Electrical: EL-0001..EL-0003, EL-0001 exists.
    const results = await bodyOf(
      await api(
        `/catalog/${IDS.electrical}/parts`,
        put([{ properties: { Name: 'x' } }, { properties: { Name: 'y' } }, { properties: {} }]),
      ),
    );
    expect(results).toEqual([{ 'EL-0002': 'OK' }, { 'EL-0003': 'OK' }, { '': 'ERROR' }]);
  });

  it('rejects a duplicate name and bad parameter types', async () => {
    const { api } = await startMock();
    const duplicate = await api('/catalog/create', jsonBody({ docName: 'Mechanical parts' }));
    expect(duplicate.status).toBe(400);
    expect(await bodyOf(duplicate)).toEqual({ error: 'Catalog exists with name, catalog names are unique.' });
    expect((await api('/catalog/create', jsonBody({ docName: 'x', autoPartNumbers: 'yes' }))).status).toBe(400);
    expect((await api('/catalog/create', jsonBody({ docName: 'x', partNumberPattern: { seqStart: 'one' } }))).status).toBe(400);
  });
});

describe('PUT …/parts', () => {
  it('adds and updates rows, answering per part number, and later reads show them', async () => {
    const { api } = await startMock();
    const res = await api(
      `/bom/${IDS.gripper}/parts`,
      put([
        { partNumber: '10-000002', properties: { Quantity: 8 } },
        { partNumber: 'SPRING-1', properties: { Name: 'Spring', Quantity: '2', Cost: 1.25 } },
        { partNumber: 'BAD-1', properties: { Colour: 'red' } },
      ]),
    );
    expect(res.status).toBe(200);
    expect(await bodyOf(res)).toEqual([{ '10-000002': 'OK' }, { 'SPRING-1': 'OK' }, { 'BAD-1': 'ERROR' }]);
    const bom = await bodyOf(await api(`/bom/${IDS.gripper}`));
    expect(bom.cells).toEqual([
      ['10-000002', 'Nut M6', 'Hex nut', 8, 0.2, 'null'],
      ['SPRING-1', 'Spring', '', '2', 1.25, 'null'],
    ]);
    expect(bom.totalCells).toEqual([['', '', '', '', 1.45, '']]);
    // The flattened parent sees the child's change.
    const flat = await bodyOf(await api(`/flattenedbom/${IDS.robot}`));
    expect(flat.cells.find((row: unknown[]) => row[0] === '10-000002')[3]).toBe(2 * 2 * 8);
  });

  it('updates a catalog part (and so its latest revision) and accepts numeric part numbers', async () => {
    const { api } = await startMock();
    const results = await bodyOf(
      await api(
        `/catalog/${IDS.mechanical}/parts`,
        put([
          { partNumber: '55-554354', properties: { Description: 'Updated' } },
          { partNumber: 42, properties: {} },
        ]),
      ),
    );
    expect(results).toEqual([{ '55-554354': 'OK' }, { '42': 'OK' }]);
    const item = await itemRow(await api(`/catalog/${IDS.mechanical}/item?partNumber=55-554354`));
    expect(item.Description).toBe('Updated');
    const merged = await bodyOf(await api(`/catalog/${IDS.mechanical}/revisions/merged/partnumber/55-554354`));
    const description = merged.columns.indexOf('Description');
    expect(merged.cells.map((row: string[]) => row[description])).toEqual(['Steel bracket (old)', 'Updated']);
    expect((await itemRow(await api(`/catalog/${IDS.mechanical}/item?partNumber=42`)))['Part Number']).toBe('42');
  });

  it('rejects bodies of the wrong shape with 400 and unknown documents with 404', async () => {
    const { api } = await startMock();
    expect((await api(`/bom/${IDS.gripper}/parts`, put({ partNumber: '1' }))).status).toBe(400);
    expect((await api(`/bom/${IDS.gripper}/parts`, put([{ partNumber: '1', properties: 'x' }]))).status).toBe(400);
    expect((await api(`/bom/${IDS.gripper}/parts`, put(['x']))).status).toBe(400);
    expect((await api('/bom/nope/parts', put([]))).status).toBe(404);
    // A BOM without part-number generation cannot take a row without a part number.
    expect(await bodyOf(await api(`/bom/${IDS.gripper}/parts`, put([{ properties: { Name: 'x' } }])))).toEqual([{ '': 'ERROR' }]);
    // Non-scalar values are refused row by row.
    expect(await bodyOf(await api(`/bom/${IDS.gripper}/parts`, put([{ partNumber: 'X', properties: { Name: { a: 1 } } }])))).toEqual([
      { X: 'ERROR' },
    ]);
  });
});

describe('number properties (typed N in a property table)', () => {
  it('PUT …/parts stores numeric text as the number and refuses a row with text that is no number', async () => {
    const { api } = await startMock();
    const results = await bodyOf(
      await api(
        `/catalog/${IDS.mechanical}/parts`,
        put([
          { partNumber: '10-000001', properties: { Cost: ' 3.5 ' } },
          { partNumber: '10-000002', properties: { Name: 'Changed', Cost: 'abc' } },
          { partNumber: 'NEW-1', properties: { Cost: '' } },
        ]),
      ),
    );
    expect(results).toEqual([{ '10-000001': 'OK' }, { '10-000002': 'ERROR' }, { 'NEW-1': 'OK' }]);
    expect((await itemRow(await api(`/catalog/${IDS.mechanical}/item?partNumber=10-000001`))).Cost).toBe(3.5);
    // The refused row changed nothing, not even its valid cells.
    expect(await itemRow(await api(`/catalog/${IDS.mechanical}/item?partNumber=10-000002`))).toMatchObject({ Name: 'Nut M6', Cost: 0.2 });
  });

  it('POST …/propertyvalue answers 400 naming the property for text that is no number, and takes "25" as 25', async () => {
    const { api } = await startMock();
    const refused = await api(
      `/catalog/${IDS.mechanical}/propertyvalue`,
      jsonBody({ partNumberPropertyName: 'Part Number', partNumber: '10-000002', propertyName: 'Cost', propertyValue: 'abc' }),
    );
    expect(refused.status).toBe(400);
    expect(await bodyOf(refused)).toEqual({ error: 'Property ["Cost"] is a number property; the value must be a number.' });
    for (const bad of [true, '1e999', 'NaN', '12 EUR']) {
      const res = await api(
        `/bom/${IDS.robot}/propertyvalue`,
        jsonBody({ partNumberPropertyName: 'Part Number', partNumber: 'ARM-1', propertyName: 'Cost', propertyValue: bad }),
      );
      expect(res.status, String(bad)).toBe(400);
    }
    await api(
      `/catalog/${IDS.mechanical}/propertyvalue`,
      jsonBody({ partNumberPropertyName: 'Part Number', partNumber: '10-000002', propertyName: 'Cost', propertyValue: '25' }),
    );
    expect((await itemRow(await api(`/catalog/${IDS.mechanical}/item?partNumber=10-000002`))).Cost).toBe(25);
    // Emptying a number cell is allowed.
    await api(
      `/catalog/${IDS.mechanical}/propertyvalue`,
      jsonBody({ partNumberPropertyName: 'Part Number', partNumber: '10-000002', propertyName: 'Cost', propertyValue: null }),
    );
    expect((await itemRow(await api(`/catalog/${IDS.mechanical}/item?partNumber=10-000002`))).Cost).toBe('null');
  });
});

describe('POST …/propertyvalue', () => {
  const change = (partNumber: string, propertyName: string, propertyValue: unknown) =>
    jsonBody({ partNumberPropertyName: 'Part Number', partNumber, propertyName, propertyValue });

  it('updates one cell of a BOM and of a catalog', async () => {
    const { api } = await startMock();
    const res = await api(`/bom/${IDS.robot}/propertyvalue`, change('ARM-1', 'Quantity', '25'));
    expect(res.status).toBe(200);
    expect(await bodyOf(res)).toEqual({ message: 'property value updated.' });
    expect((await bodyOf(await api(`/bom/${IDS.robot}`))).cells[0]).toEqual(['ARM-1', '25', 10]);
    await api(`/catalog/${IDS.mechanical}/propertyvalue`, change('10-000002', 'Cost', 0.25));
    expect((await itemRow(await api(`/catalog/${IDS.mechanical}/item?partNumber=10-000002`))).Cost).toBe(0.25);
  });

  it('finds rows by another key column and renames part numbers', async () => {
    const { api } = await startMock();
    const byName = jsonBody({
      partNumberPropertyName: 'Name',
      partNumber: 'Nut M6',
      propertyName: 'Description',
      propertyValue: 'Nylock nut',
    });
    expect((await api(`/catalog/${IDS.mechanical}/propertyvalue`, byName)).status).toBe(200);
    expect((await itemRow(await api(`/catalog/${IDS.mechanical}/item?partNumber=10-000002`))).Description).toBe('Nylock nut');
    await api(`/catalog/${IDS.mechanical}/propertyvalue`, change('10-000002', 'Part Number', '10-000099'));
    expect((await api(`/catalog/${IDS.mechanical}/item?partNumber=10-000002`)).status).toBe(404);
    const catalog = await bodyOf(await api(`/catalog/${IDS.mechanical}`));
    expect(catalog.cells.map((row: string[]) => row[0])).toEqual(['55-554354', '10-000001', '10-000099', 'ARM-1']);
  });

  it('reports missing parameters, unknown columns and unknown parts', async () => {
    const { api } = await startMock();
    const missing = await api(
      `/bom/${IDS.robot}/propertyvalue`,
      jsonBody({ partNumberPropertyName: 'Part Number', partNumber: 'ARM-1', propertyName: 'Quantity' }),
    );
    expect(await bodyOf(missing)).toEqual({ error: 'Parameter ["propertyValue"] not found.' });
    const column = await api(`/bom/${IDS.robot}/propertyvalue`, change('ARM-1', 'Colour', 'red'));
    expect(column.status).toBe(400);
    expect(await bodyOf(column)).toEqual({ error: 'Property ["Colour"] not found.' });
    const part = await api(`/bom/${IDS.robot}/propertyvalue`, change('NOPE', 'Quantity', 1));
    expect(part.status).toBe(404);
    expect(await bodyOf(part)).toEqual({ error: 'Part not found.' });
    expect((await api(`/bom/${IDS.robot}/propertyvalue`, change('ARM-1', 'Quantity', [1]))).status).toBe(400);
  });
});

describe('removing parts and deleting documents', () => {
  it('removes a part by path and by query, then reads no longer show it', async () => {
    const { api } = await startMock();
    const byPath = await api(`/bom/${IDS.robot}/removepart/10-000001`, { method: 'DELETE' });
    expect(byPath.status).toBe(200);
    expect(await bodyOf(byPath)).toEqual({});
    expect((await bodyOf(await api(`/bom/${IDS.robot}`))).cells.map((r: string[]) => r[0])).toEqual(['ARM-1', '55-554354']);
    const byQuery = await api(`/catalog/${IDS.mechanical}/removepart?partNumber=10-000001`, { method: 'DELETE' });
    expect(byQuery.status).toBe(200);
    expect((await api(`/catalog/${IDS.mechanical}/item?partNumber=10-000001`)).status).toBe(404);
    const again = await api(`/catalog/${IDS.mechanical}/removepart/10-000001`, { method: 'DELETE' });
    expect(again.status).toBe(404);
    expect(await bodyOf(again)).toEqual({ error: 'Part not found.' });
    expect((await api(`/bom/${IDS.robot}/removepart`, { method: 'DELETE' })).status).toBe(400);
  });

  it('removing a sub-assembly row makes its BOM top level', async () => {
    const { api } = await startMock();
    await api(`/bom/${IDS.arm}/removepart/GRIP-1`, { method: 'DELETE' });
    expect((await bodyOf<any[]>(await api('/toplevelboms'))).map((b) => b.id)).toEqual([IDS.robot, IDS.gripper]);
  });

  it('deletes BOMs and catalogs', async () => {
    const { api } = await startMock();
    expect(await bodyOf(await api(`/bom/${IDS.gripper}`, { method: 'DELETE' }))).toEqual({});
    expect((await api(`/bom/${IDS.gripper}`)).status).toBe(404);
    expect((await bodyOf<any[]>(await api('/boms'))).map((b) => b.id)).not.toContain(IDS.gripper);
    // The arm's gripper row is now a leaf.
    const flat = await bodyOf(await api(`/flattenedbom/${IDS.arm}`));
    expect(flat.cells.map((r: string[]) => r[0])).toEqual(['10-000001', 'GRIP-1']);
    expect((await api(`/catalog/${IDS.electrical}`, { method: 'DELETE' })).status).toBe(200);
    expect((await api(`/catalog/${IDS.electrical}`)).status).toBe(404);
    expect((await api(`/catalog/${IDS.electrical}`, { method: 'DELETE' })).status).toBe(404);
  });
});
