/**
 * The contract's JSON structures, built from the store's documents. Pure functions of (document, origin):
 * file cells become absolute URLs on the origin the client used.
 */
import { createHash } from 'node:crypto';
import { numberFrom, type ColumnKinds } from '../fixtures/column-types.js';
import { documentDate } from '../fixtures/openbom-dates.js';
import type { CellValue, DocumentHeader, JsonValue, PartRevision, PropertyTable, Row, Template } from '../fixtures/types.js';
import type { BomDoc, CatalogDoc, Entry, MockStore, OrderBomDoc, SheetDoc } from './store.js';

/** A served cell: scalars, plus whatever JSON a verbatim cell holds. */
type Cell = JsonValue;

const isoDate = (epochMs: number) => new Date(epochMs).toISOString();

export function fileUrl(origin: string, docId: string, name: string): string {
  return `${origin}/document/${docId}/image?filename=${encodeURIComponent(name)}`;
}

/**
 * A cell as served: a file → its URL (on the document it names, else on `docId`, the row's own); a verbatim cell →
 * its value as is; an empty cell of an image/file column (missing, null or "") → the string "null", as in the
 * contract's example documents; null in another column → "null"; any other missing cell → "".
 */
export function cellValue(value: CellValue | undefined, docId: string, origin: string, fileColumn: boolean): Cell {
  if (value === null) return 'null';
  if (value === undefined || value === '') return fileColumn ? 'null' : '';
  if (typeof value === 'object') return value.kind === 'verbatim' ? value.value : fileUrl(origin, value.docId ?? docId, value.name);
  return value;
}

/** For each column, whether it is an image/file column. */
const fileColumnsOf = (columns: string[], kinds: ColumnKinds) => columns.map((column) => kinds.of(column) === 'file');

function cellsOf(rows: Iterable<Row>, columns: string[], kinds: ColumnKinds, docId: string, origin: string): Cell[][] {
  const fileColumns = fileColumnsOf(columns, kinds);
  const cells: Cell[][] = [];
  for (const row of rows) cells.push(columns.map((column, i) => cellValue(row[column], docId, origin, fileColumns[i]!)));
  return cells;
}

/** Rounds away float noise (0.1 + 0.2) that a sum of prices would otherwise show. */
const roundSum = (n: number) => Math.round(n * 1e6) / 1e6;

function totalCells(rows: Row[], columns: string[], totalled: string[]): Cell[][] {
  const sums = columns.map((column) =>
    totalled.includes(column) ? roundSum(rows.reduce((sum, row) => sum + (numberFrom(row[column]) ?? 0), 0)) : '',
  );
  return [sums];
}

const rowsOf = (doc: SheetDoc) => Array.from(doc.entries.values(), (entry) => entry.row);

function documentHeader(doc: DocumentHeader) {
  return {
    modifiedDate: doc.modifiedDate ?? documentDate(doc.modified),
    createdDate: doc.createdDate ?? documentDate(doc.created),
    modifiedBy: doc.modifiedBy,
    createdBy: doc.createdBy,
  };
}

function sheetDocument(doc: BomDoc | OrderBomDoc, columns: string[], rows: Row[], kinds: ColumnKinds, origin: string) {
  return {
    id: doc.id,
    type: 'bom',
    partNumber: doc.partNumber,
    name: doc.name,
    ...documentHeader(doc),
    columns,
    cells: cellsOf(rows, columns, kinds, doc.id, origin),
    totalCells: totalCells(rows, columns, doc.totalColumns),
  };
}

/** GET /bom/<id>: honours the saved view unless useView is false. */
export function bomDocument(bom: BomDoc, kinds: ColumnKinds, origin: string, useView: boolean) {
  const columns = useView && bom.viewColumns ? bom.viewColumns.filter((column) => bom.columns.includes(column)) : bom.columns;
  return sheetDocument(bom, columns, rowsOf(bom), kinds, origin);
}

/** GET /orderbom/<id>: the BOM structure plus numUnits. */
export function orderBomDocument(order: OrderBomDoc, kinds: ColumnKinds, origin: string) {
  return { ...sheetDocument(order, order.columns, rowsOf(order), kinds, origin), numUnits: order.numUnits };
}

export function catalogDocument(catalog: CatalogDoc, kinds: ColumnKinds, origin: string) {
  return {
    id: catalog.id,
    type: 'catalog',
    name: catalog.name,
    ...documentHeader(catalog),
    columns: catalog.columns,
    cells: cellsOf(rowsOf(catalog), catalog.columns, kinds, catalog.id, origin),
  };
}

/** GET /bom/<id>/revision/<n>: the BOM structure with the revision's rows; id is the revision document's id. */
export function bomRevisionDocument(bom: BomDoc, revisionNumber: number, kinds: ColumnKinds, origin: string) {
  const revision = bom.revisions.find((r) => r.revisionNumber === revisionNumber);
  if (!revision) return undefined;
  return {
    id: revision.id,
    type: 'bom',
    partNumber: bom.partNumber,
    name: bom.name,
    modifiedDate: revision.modifiedDate ?? documentDate(revision.created),
    createdDate: revision.createdDate ?? documentDate(revision.created),
    modifiedBy: revision.createdBy,
    createdBy: revision.createdBy,
    columns: bom.columns,
    cells: cellsOf(revision.rows, bom.columns, kinds, bom.id, origin),
    totalCells: totalCells(revision.rows, bom.columns, bom.totalColumns),
  };
}

const QUANTITY_COLUMN = 'Quantity';

/**
 * GET /flattenedbom/<id>: every leaf part once, with its quantity multiplied through the sub-assemblies above it
 * and summed over all the places it occurs. A row is a sub-assembly when a BOM has its part number as bomPartNumber;
 * sub-assembly rows themselves are not listed. A missing or non-numeric Quantity counts as 1. Leaf rows keep the
 * values of their first occurrence; columns are the top BOM's (all of them, no view).
 */
export function flattenedBomDocument(store: MockStore, bom: BomDoc, origin: string) {
  const leaves = new Map<string, { row: Row; docId: string; quantity: number }>();
  const visit = (doc: BomDoc, multiplier: number, path: Set<string>) => {
    for (const [partNumber, entry] of doc.entries) {
      const quantity = multiplier * (numberFrom(entry.row[QUANTITY_COLUMN]) ?? 1);
      const child = store.bomWithPartNumber(partNumber);
      if (child && !path.has(child.id)) {
        visit(child, quantity, new Set(path).add(child.id));
        continue;
      }
      const leaf = leaves.get(partNumber);
      if (leaf) leaf.quantity += quantity;
      else leaves.set(partNumber, { row: entry.row, docId: doc.id, quantity });
    }
  };
  visit(bom, 1, new Set([bom.id]));
  const rows = [...leaves.values()].map(({ row, quantity }) =>
    bom.columns.includes(QUANTITY_COLUMN) ? { ...row, [QUANTITY_COLUMN]: roundSum(quantity) } : row,
  );
  const docIds = [...leaves.values()].map((leaf) => leaf.docId);
  const fileColumns = fileColumnsOf(bom.columns, store.kinds);
  return {
    id: bom.id,
    type: 'bom',
    partNumber: bom.partNumber,
    name: bom.name,
    ...documentHeader(bom),
    columns: bom.columns,
    // File cells of a leaf point at the BOM that owns the file.
    cells: rows.map((row, i) => bom.columns.map((column, j) => cellValue(row[column], docIds[i] ?? bom.id, origin, fileColumns[j]!))),
    totalCells: totalCells(rows, bom.columns, bom.totalColumns),
  };
}

// ---- listings ------------------------------------------------------------------------------------

const PERMISSIONS = { status: 'active', permissionString: 'w', permission: 7 } as const;

export function bomListing(bom: BomDoc) {
  return {
    nodeId: bom.nodeId,
    bomId: bom.id,
    id: bom.id,
    name: bom.name,
    nameuri: null,
    user: bom.createdBy,
    ...PERMISSIONS,
    modifiedBy: bom.modifiedBy,
    modified: bom.modified,
    bomPartNumber: bom.partNumber,
    productionBatch: false,
    released: bom.released,
  };
}

export function orderBomListing(order: OrderBomDoc) {
  return {
    nodeId: order.nodeId,
    bomId: order.id,
    id: order.id,
    name: order.name,
    numUnits: order.numUnits,
    nameuri: null,
    user: order.createdBy,
    ...PERMISSIONS,
    modifiedBy: order.modifiedBy,
    modified: order.modified,
    bomPartNumber: order.partNumber,
    productionBatch: true,
    released: order.released,
  };
}

export function catalogListing(catalog: CatalogDoc) {
  return {
    nodeId: catalog.nodeId,
    itemsId: catalog.id,
    id: catalog.id,
    name: catalog.name,
    user: catalog.createdBy,
    ...PERMISSIONS,
    modifiedBy: catalog.modifiedBy,
    modified: catalog.modified,
  };
}

export function templateListing(template: Template) {
  return {
    templateId: template.id,
    id: template.id,
    name: template.name,
    nameuri: null,
    user: null,
    status: 'A',
    createdBy: template.createdBy,
    created: template.created,
    createdString: isoDate(template.created),
    modified: template.modified,
    modifiedString: isoDate(template.modified),
  };
}

const urn = (owner: string, name: string) => `urn:openbom:name:${encodeURIComponent(owner)}:${encodeURIComponent(name)}`;

export function propertyTableListing(table: PropertyTable) {
  return {
    _id: table.id,
    id: table.id,
    uri: urn(table.createdBy, table.name),
    name: table.name,
    createdBy: table.createdBy,
    updatedBy: table.updatedBy,
    created: isoDate(table.created),
    updated: isoDate(table.updated),
    private: table.private,
  };
}

/** GET /propertytable/<id>: the table's properties, as in the contract's example. */
export function propertyTableDocument(table: PropertyTable) {
  return table.properties.map((property) => ({
    _id: property.id,
    id: property.id,
    uri: urn(table.createdBy, property.name),
    name: property.name,
    sourcePropertyId: null,
    privateTableId: table.id,
    publicProperty: false,
    status: 'A',
    datatype: property.datatype,
    source: 'U',
    created_by: table.createdBy,
    created: isoDate(property.created),
    updated: isoDate(property.updated),
  }));
}

// ---- item revisions ------------------------------------------------------------------------------

/** A stable UUID-shaped id for a record the fixture does not name (item revision entries), so reloads keep it. */
export function stableId(...parts: string[]): string {
  const hex = createHash('sha1').update(parts.join('\u0000')).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** GET /catalog/<id>/revisions/partnumber/<pn>: oldest first; bomRevision describes the part's own BOM, if it has one. */
export function itemRevisions(store: MockStore, catalog: CatalogDoc, partNumber: string, entry: Entry | undefined) {
  if (!entry) return [];
  const bom = store.bomWithPartNumber(partNumber);
  return entry.revisions.map((revision: PartRevision) => ({
    id: revision.id ?? stableId(catalog.id, partNumber, String(revision.revisionNumber)),
    partNumber,
    revisionNumber: revision.revisionNumber,
    revision: revision.revision,
    docId: revision.docId,
    state: revision.state,
    bomRevision: bom
      ? {
          ...bomListing(bom),
          modifiedString: isoDate(bom.modified),
          numUnits: null,
          revisionNumber: revision.revisionNumber,
          revision: revision.revision,
        }
      : null,
  }));
}

/** GET /catalog/<id>/revisions/merged/partnumber/<pn>: one row per revision, oldest first (structure decided by jakamo-kit, see the spec). */
export function mergedRevisionsDocument(catalog: CatalogDoc, partNumber: string, entry: Entry, kinds: ColumnKinds, origin: string) {
  const first = entry.revisions[0];
  const latest = entry.revisions.at(-1);
  const fileColumns = fileColumnsOf(catalog.columns, kinds);
  return {
    id: catalog.id,
    type: 'catalog',
    name: catalog.name,
    partNumber,
    // Dated by its first and latest revisions; a part without revisions by its catalog.
    ...(first && latest
      ? {
          modifiedDate: latest.modifiedDate ?? documentDate(latest.modified),
          createdDate: first.modifiedDate ?? documentDate(first.modified),
          modifiedBy: latest.modifiedBy,
          createdBy: first.modifiedBy,
        }
      : documentHeader(catalog)),
    columns: ['Revision', 'Revision State', ...catalog.columns],
    cells: entry.revisions.map((revision) => [
      revision.revision,
      revision.state,
      ...catalog.columns.map((column, i) => cellValue(revision.row[column], catalog.id, origin, fileColumns[i]!)),
    ]),
  };
}

/**
 * GET /catalog/<id>/item?partNumber=: the catalog document narrowed to that one row (`cells` holds one row), plus
 * its part number. Not in the contract: a public C# client calls it and deserializes the answer as the same
 * document class it uses for GET /catalog/<id> (columns + cells), so that is its shape here.
 */
export function catalogItemDocument(catalog: CatalogDoc, partNumber: string, row: Row, kinds: ColumnKinds, origin: string) {
  return {
    id: catalog.id,
    type: 'catalog',
    name: catalog.name,
    partNumber,
    ...documentHeader(catalog),
    columns: catalog.columns,
    cells: cellsOf([row], catalog.columns, kinds, catalog.id, origin),
  };
}
