/**
 * A small Fixture built in TypeScript for the mock's tests: independent of fixtures/default.yaml, so every
 * number the tests assert (quantities, totals, revisions) is visible here.
 */
import {
  partNumberOf,
  type Bom,
  type Catalog,
  type CatalogPart,
  type FileValue,
  type Fixture,
  type Row,
} from '../../src/fixtures/types.js';

export const APP_KEY = 'test-app-key';
export const USERNAME = 'engineer@example.com';
export const PASSWORD = 'correct horse';

export const IDS = {
  mechanical: '11111111-0000-4000-8000-000000000001',
  electrical: '11111111-0000-4000-8000-000000000002',
  robot: '22222222-0000-4000-8000-000000000001',
  arm: '22222222-0000-4000-8000-000000000002',
  gripper: '22222222-0000-4000-8000-000000000003',
  order: '33333333-0000-4000-8000-000000000001',
  template: '44444444-0000-4000-8000-000000000001',
  propertyTable: '55555555-0000-4000-8000-000000000001',
} as const;

export const T0 = Date.UTC(2024, 0, 15, 9, 30, 5);

export function file(name: string, text: string, contentType = 'application/pdf'): FileValue {
  return { kind: 'file', name, contentType, bytes: new TextEncoder().encode(text) };
}

export const DRAWING_119 = file('55-554354_rev119.pdf', '%PDF-1.4 revision 119');
export const DRAWING_120 = file('55-554354_rev120.pdf', '%PDF-1.4 revision 120 with changes');
export const BOLT_IMAGE = file('bolt.png', 'PNG bolt', 'image/png');

function part(row: Row, revisions: Array<{ revision: string; state: string; row?: Row }> = []): CatalogPart {
  return {
    row,
    revisions: revisions.map((r, i) => ({
      revision: r.revision,
      revisionNumber: i + 1,
      state: r.state,
      modified: T0 + i * 86_400_000,
      modifiedBy: USERNAME,
      docId: `rev-${partNumberOf(row)}-${i + 1}`,
      row: r.row ?? row,
    })),
  };
}

function bom(id: string, name: string, partNumber: string, rows: Row[], extra: Partial<Bom> = {}): Bom {
  return {
    id,
    nodeId: 100 + Object.values(IDS).indexOf(id as never),
    name,
    partNumber,
    createdBy: USERNAME,
    modifiedBy: USERNAME,
    created: T0,
    modified: T0 + 1000,
    released: false,
    columns: ['Part Number', 'Name', 'Description', 'Quantity', 'Cost', 'Drawing'],
    totalColumns: ['Cost'],
    rows,
    revisions: [],
    ...extra,
  };
}

export function buildTestFixture(): Fixture {
  const current55 = {
    'Part Number': '55-554354',
    Name: 'Bracket',
    Description: 'Steel bracket',
    Cost: 4.5,
    Drawing: DRAWING_120,
    'Thumbnail image': null,
  };
  const mechanical: Catalog = {
    id: IDS.mechanical,
    nodeId: 1,
    name: 'Mechanical parts',
    createdBy: USERNAME,
    modifiedBy: USERNAME,
    created: T0,
    modified: T0,
    columns: ['Part Number', 'Name', 'Description', 'Cost', 'Drawing', 'Thumbnail image'],
    autoPartNumbers: false,
    uniquePartNumbers: true,
    parts: [
      part(current55, [
        { revision: '119', state: 'Released', row: { ...current55, Description: 'Steel bracket (old)', Drawing: DRAWING_119 } },
        { revision: '120', state: 'In Work' },
      ]),
      part({
        'Part Number': '10-000001',
        Name: 'Bolt M6',
        Description: 'Hex bolt',
        Cost: 0.1,
        Drawing: null,
        'Thumbnail image': BOLT_IMAGE,
      }),
      part({ 'Part Number': '10-000002', Name: 'Nut M6', Description: 'Hex nut', Cost: 0.2, Drawing: null, 'Thumbnail image': null }),
      part({ 'Part Number': 'ARM-1', Name: 'Arm', Description: 'Arm assembly', Cost: 0, Drawing: null, 'Thumbnail image': null }, [
        { revision: 'A', state: 'Released' },
      ]),
    ],
  };
  const electrical: Catalog = {
    id: IDS.electrical,
    nodeId: 2,
    name: 'Electrical parts',
    createdBy: USERNAME,
    modifiedBy: USERNAME,
    created: T0,
    modified: T0,
    columns: ['Part Number', 'Name', 'Description'],
    autoPartNumbers: true,
    uniquePartNumbers: true,
    partNumberPattern: { prefix: 'EL', separator: '-', seqStart: '0001', seqEnd: '0003', seqStep: '1', suffix: '' },
    parts: [part({ 'Part Number': 'EL-0001', Name: 'Motor', Description: 'Servo motor' })],
  };
  return {
    account: { appKeys: [APP_KEY], users: [{ username: USERNAME, password: PASSWORD }] },
    catalogs: [mechanical, electrical],
    boms: [
      bom(
        IDS.robot,
        'Robot',
        'ROBOT-1',
        [
          { 'Part Number': 'ARM-1', Name: 'Arm', Description: 'Arm assembly', Quantity: 2, Cost: 10, Drawing: null },
          { 'Part Number': '10-000001', Name: 'Bolt M6', Description: 'Hex bolt', Quantity: 4, Cost: 0.1, Drawing: null },
          { 'Part Number': '55-554354', Name: 'Bracket', Description: 'Steel bracket', Quantity: 1, Cost: 4.5, Drawing: DRAWING_120 },
        ],
        {
          viewColumns: ['Part Number', 'Quantity', 'Cost'],
          revisions: [
            {
              id: 'bom-rev-robot-1',
              revisionNumber: 1,
              description: 'first release',
              created: T0 + 500,
              createdBy: USERNAME,
              rows: [{ 'Part Number': 'ARM-1', Name: 'Arm', Description: 'Arm assembly', Quantity: 1, Cost: 10, Drawing: null }],
            },
          ],
        },
      ),
      bom(IDS.arm, 'Arm assembly', 'ARM-1', [
        { 'Part Number': '10-000001', Name: 'Bolt M6', Description: 'Hex bolt', Quantity: 3, Cost: 0.1, Drawing: null },
        { 'Part Number': 'GRIP-1', Name: 'Gripper', Description: 'Gripper assembly', Quantity: 2, Cost: 7, Drawing: null },
      ]),
      bom(IDS.gripper, 'Gripper', 'GRIP-1', [
        { 'Part Number': '10-000002', Name: 'Nut M6', Description: 'Hex nut', Quantity: 5, Cost: 0.2, Drawing: null },
      ]),
    ],
    orderBoms: [
      {
        id: IDS.order,
        nodeId: 200,
        name: 'Order 1 Robot',
        partNumber: 'ROBOT-1',
        createdBy: USERNAME,
        modifiedBy: USERNAME,
        created: T0,
        modified: T0,
        released: false,
        columns: ['Part Number', 'Quantity', 'Cost'],
        totalColumns: ['Cost'],
        rows: [{ 'Part Number': 'ARM-1', Quantity: 2, Cost: 10 }],
        numUnits: 3,
      },
    ],
    templates: [
      {
        id: IDS.template,
        name: 'Mechanical template',
        createdBy: USERNAME,
        created: T0,
        modified: T0,
        columns: ['Part Number', 'Vendor', 'Cost'],
      },
    ],
    propertyTables: [
      {
        id: IDS.propertyTable,
        name: 'props table',
        createdBy: USERNAME,
        updatedBy: null,
        created: T0,
        updated: T0,
        private: false,
        properties: [
          { id: 'prop-1', name: 'Vendor', datatype: 'S', created: T0, updated: T0 },
          { id: 'prop-2', name: 'Cost', datatype: 'N', created: T0, updated: T0 },
          { id: 'prop-3', name: 'Drawing', datatype: 'I', created: T0, updated: T0 },
        ],
      },
    ],
  };
}
