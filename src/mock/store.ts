import { randomUUID } from 'node:crypto';
import type { Clock } from '../shared/clock.js';
import type {
  Account,
  Bom,
  BomRevision,
  Catalog,
  FileValue,
  DocumentHeader,
  Fixture,
  OrderBom,
  PartNumberPattern,
  PartRevision,
  PropertyTable,
  Row,
  Template,
} from '../fixtures/types.js';
import { PART_NUMBER_COLUMN, isFileValue, partNumberOf } from '../fixtures/types.js';
import { ColumnKinds, isEmptyCell, numberFrom } from '../fixtures/column-types.js';
import { servedDates } from '../fixtures/openbom-dates.js';
import { ApiError, MESSAGES, badRequest, partNotFound } from './errors.js';

/** One row of a document: BOM rows have no revisions; catalog parts carry theirs (oldest first). */
export interface Entry {
  row: Row;
  revisions: PartRevision[];
}

/** Variants kept per document; the key includes the client's Host, so it must not grow with whatever Hosts arrive. */
const MAX_RENDERED_VARIANTS = 8;

/**
 * Serialized JSON of a document per variant (origin, view …), dropped whenever the document changes. Kept as UTF-8
 * bytes: a response then neither encodes the text nor measures its encoded length again (about 1 µs a request).
 */
export class RenderCache {
  private readonly entries = new Map<string, Uint8Array<ArrayBuffer>>();
  get(key: string, render: () => string): Uint8Array<ArrayBuffer> {
    let bytes = this.entries.get(key);
    if (bytes === undefined) {
      bytes = Buffer.from(render());
      if (this.entries.size >= MAX_RENDERED_VARIANTS) this.entries.clear();
      this.entries.set(key, bytes);
    }
    return bytes;
  }
  clear(): void {
    this.entries.clear();
  }
}

interface SheetBase extends DocumentHeader {
  columns: string[];
  /** Part number → row, in document order; the index that keeps part-number lookups from scanning. */
  entries: Map<string, Entry>;
  rendered: RenderCache;
}

export interface CatalogDoc extends SheetBase {
  kind: 'catalog';
  autoPartNumbers: boolean;
  uniquePartNumbers: boolean;
  partNumberPattern?: PartNumberPattern;
  /** Next sequence number to try for autoPartNumbers (not persisted: it restarts and skips numbers in use). */
  nextSequence?: number;
}

export interface BomDoc extends SheetBase {
  kind: 'bom';
  partNumber: string;
  released: boolean;
  catalogId?: string;
  templateId?: string;
  viewColumns?: string[];
  totalColumns: string[];
  revisions: BomRevision[];
}

export interface OrderBomDoc extends SheetBase {
  kind: 'orderbom';
  partNumber: string;
  released: boolean;
  catalogId?: string;
  templateId?: string;
  totalColumns: string[];
  numUnits: number;
}

export type SheetDoc = CatalogDoc | BomDoc | OrderBomDoc;

/** A row update as PUT …/parts sends it. */
export interface RowUpsert {
  partNumber?: string;
  properties: Record<string, unknown>;
}

export type UpsertResult = Record<string, 'OK' | 'ERROR'>;

export interface NewFile {
  name: string;
  contentType: string;
  bytes: Uint8Array;
}

const DEFAULT_CATALOG_COLUMNS = [PART_NUMBER_COLUMN, 'Name', 'Description', 'Thumbnail image'];
const DEFAULT_BOM_COLUMNS = [PART_NUMBER_COLUMN, 'Name', 'Description', 'Quantity', 'Thumbnail image'];
/** Columns a newly created BOM totals (the contract's example totals Cost only). */
const TOTALLED_COLUMNS = new Set(['Cost']);

/** Scalars a client may write into a cell; file cells are only written through the upload endpoints. */
function isScalarCell(value: unknown): value is string | number | boolean | null {
  return value === null || typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));
}

/**
 * The mock's in-memory OpenBOM account: documents indexed by id, rows indexed by part number, files by document and name.
 * File bytes are shared with the fixture (never mutated); rows are copied, so reset() is a cheap shallow-per-row copy.
 */
export class MockStore {
  account!: Account;
  /** What each column holds (number, image/file, anything), from the property tables. */
  kinds!: ColumnKinds;
  readonly catalogs = new Map<string, CatalogDoc>();
  readonly boms = new Map<string, BomDoc>();
  readonly orderBoms = new Map<string, OrderBomDoc>();
  readonly templates = new Map<string, Template>();
  readonly propertyTables = new Map<string, PropertyTable>();
  /** bomPartNumber → ids of BOMs with it (sub-assembly resolution, /boms/byparams). */
  private readonly bomIdsByPartNumber = new Map<string, Set<string>>();
  /** Part number → how many BOM rows reference it; a BOM whose part number no row references is top level. */
  private readonly bomRowReferences = new Map<string, number>();
  private readonly files = new Map<string, Map<string, FileValue>>();
  private nextNodeId = 1;

  constructor(
    private readonly fixture: Fixture,
    private readonly clock: Clock,
  ) {
    this.load();
  }

  /** Back to the fixture as loaded. */
  reset(): void {
    for (const map of [
      this.catalogs,
      this.boms,
      this.orderBoms,
      this.templates,
      this.propertyTables,
      this.bomIdsByPartNumber,
      this.bomRowReferences,
      this.files,
    ]) {
      map.clear();
    }
    this.load();
  }

  private load(): void {
    const { fixture } = this;
    this.account = fixture.account;
    this.kinds = new ColumnKinds(fixture.propertyTables);
    const nodeIds = [...fixture.catalogs, ...fixture.boms, ...fixture.orderBoms].map((d) => d.nodeId);
    this.nextNodeId = Math.max(0, ...nodeIds) + 1;
    for (const catalog of fixture.catalogs) this.addCatalog(this.loadCatalog(catalog));
    for (const bom of fixture.boms) this.addBom(this.loadBom(bom));
    for (const order of fixture.orderBoms) this.orderBoms.set(order.id, this.loadOrderBom(order));
    for (const template of fixture.templates) this.templates.set(template.id, template);
    for (const table of fixture.propertyTables) this.propertyTables.set(table.id, table);
  }

  private loadCatalog(catalog: Catalog): CatalogDoc {
    const { parts, ...meta } = catalog;
    const doc: CatalogDoc = { ...meta, kind: 'catalog', columns: [...catalog.columns], entries: new Map(), rendered: new RenderCache() };
    for (const part of parts) {
      const row = { ...part.row };
      const revisions = part.revisions.map((revision) => ({ ...revision, row: { ...revision.row } }));
      // The current row is the latest revision's state: one object, so a write to one is a write to both.
      const latest = revisions.at(-1);
      if (latest) latest.row = row;
      for (const revision of revisions) this.indexFiles(doc.id, revision.row);
      this.indexFiles(doc.id, row);
      this.insertEntry(doc, { row, revisions });
    }
    return doc;
  }

  private loadBom(bom: Bom): BomDoc {
    const { rows, revisions, ...meta } = bom;
    const doc: BomDoc = {
      ...meta,
      kind: 'bom',
      columns: [...bom.columns],
      totalColumns: [...bom.totalColumns],
      entries: new Map(),
      rendered: new RenderCache(),
      revisions: revisions.map((revision) => ({ ...revision, rows: revision.rows.map((row) => ({ ...row })) })),
    };
    if (bom.viewColumns) doc.viewColumns = [...bom.viewColumns];
    for (const revision of doc.revisions) for (const row of revision.rows) this.indexFiles(doc.id, row);
    for (const row of rows) this.insertEntry(doc, { row: { ...row }, revisions: [] });
    return doc;
  }

  private loadOrderBom(order: OrderBom): OrderBomDoc {
    const { rows, ...meta } = order;
    const doc: OrderBomDoc = {
      ...meta,
      kind: 'orderbom',
      columns: [...order.columns],
      totalColumns: [...order.totalColumns],
      entries: new Map(),
      rendered: new RenderCache(),
    };
    for (const row of rows) this.insertEntry(doc, { row: { ...row }, revisions: [] });
    return doc;
  }

  private insertEntry(doc: SheetDoc, entry: Entry): void {
    const partNumber = partNumberOf(entry.row);
    if (doc.entries.has(partNumber)) throw new Error(`duplicate part number "${partNumber}" in ${doc.kind} "${doc.name}"`);
    doc.entries.set(partNumber, entry);
    this.indexFiles(doc.id, entry.row);
    if (doc.kind === 'bom') this.countReference(partNumber, 1);
  }

  /** Files of a row of document `docId`, each under the document its URL names (a cell may name another document's file). */
  private indexFiles(docId: string, row: Row): void {
    for (const column in row) {
      const value = row[column];
      if (isFileValue(value)) this.filesOf(value.docId ?? docId).set(value.name, value);
    }
  }

  private filesOf(docId: string): Map<string, FileValue> {
    let files = this.files.get(docId);
    if (!files) this.files.set(docId, (files = new Map<string, FileValue>()));
    return files;
  }

  private countReference(partNumber: string, delta: number): void {
    const count = (this.bomRowReferences.get(partNumber) ?? 0) + delta;
    if (count > 0) this.bomRowReferences.set(partNumber, count);
    else this.bomRowReferences.delete(partNumber);
  }

  private addCatalog(doc: CatalogDoc): void {
    this.catalogs.set(doc.id, doc);
  }

  private addBom(doc: BomDoc): void {
    this.boms.set(doc.id, doc);
    let ids = this.bomIdsByPartNumber.get(doc.partNumber);
    if (!ids) this.bomIdsByPartNumber.set(doc.partNumber, (ids = new Set()));
    ids.add(doc.id);
  }

  // ---- reads -------------------------------------------------------------------------------------

  /** Any document that can own rows and files (catalog, BOM or order BOM). */
  sheet(id: string): SheetDoc | undefined {
    return this.catalogs.get(id) ?? this.boms.get(id) ?? this.orderBoms.get(id);
  }

  file(docId: string, name: string): FileValue | undefined {
    return this.files.get(docId)?.get(name);
  }

  /** Whether a file URL on this id can exist: a document's, or another document's that only file cells name. */
  hasFileDocument(docId: string): boolean {
    return this.sheet(docId) !== undefined || this.files.has(docId);
  }

  /** The BOM a row with this part number expands into (its sub-assembly), if any. */
  bomWithPartNumber(partNumber: string): BomDoc | undefined {
    const ids = this.bomIdsByPartNumber.get(partNumber);
    if (!ids) return undefined;
    for (const id of ids) return this.boms.get(id);
    return undefined;
  }

  bomsWithPartNumber(partNumber: string): BomDoc[] {
    return [...(this.bomIdsByPartNumber.get(partNumber) ?? [])].flatMap((id) => this.boms.get(id) ?? []);
  }

  isTopLevel(bom: BomDoc): boolean {
    return !this.bomRowReferences.has(bom.partNumber);
  }

  // ---- writes ------------------------------------------------------------------------------------

  private touch(doc: SheetDoc, user: string): void {
    doc.modified = this.clock.now();
    doc.modifiedBy = user;
    // OpenBOM's own modifiedDate text (from a snapshot) no longer holds: it is formatted from `modified` from now on.
    delete doc.modifiedDate;
    doc.rendered.clear();
  }

  createBom(input: { name: string; partNumber?: string; catalogId?: string; templateId?: string }, user: string): BomDoc {
    if ([...this.boms.values()].some((bom) => bom.name === input.name)) throw badRequest(MESSAGES.bomExists);
    const template = input.templateId === undefined ? undefined : this.templates.get(input.templateId);
    if (input.templateId !== undefined && !template) throw new ApiError(404, MESSAGES.documentNotFound);
    if (input.catalogId !== undefined && !this.catalogs.has(input.catalogId)) throw new ApiError(404, MESSAGES.documentNotFound);
    const columns = template ? withPartNumberColumn(template.columns) : [...DEFAULT_BOM_COLUMNS];
    const now = this.clock.now();
    const doc: BomDoc = {
      kind: 'bom',
      id: randomUUID(),
      nodeId: this.nextNodeId++,
      name: input.name,
      partNumber: input.partNumber ?? input.name,
      createdBy: user,
      modifiedBy: user,
      created: now,
      modified: now,
      released: false,
      columns,
      totalColumns: columns.filter((column) => TOTALLED_COLUMNS.has(column)),
      entries: new Map(),
      rendered: new RenderCache(),
      revisions: [],
    };
    if (input.catalogId !== undefined) doc.catalogId = input.catalogId;
    if (template) doc.templateId = template.id;
    this.addBom(doc);
    return doc;
  }

  createCatalog(
    input: { name: string; autoPartNumbers?: boolean; uniquePartNumbers?: boolean; partNumberPattern?: PartNumberPattern },
    user: string,
  ): CatalogDoc {
    if ([...this.catalogs.values()].some((catalog) => catalog.name === input.name)) throw badRequest(MESSAGES.catalogExists);
    const now = this.clock.now();
    const doc: CatalogDoc = {
      kind: 'catalog',
      id: randomUUID(),
      nodeId: this.nextNodeId++,
      name: input.name,
      createdBy: user,
      modifiedBy: user,
      created: now,
      modified: now,
      columns: [...DEFAULT_CATALOG_COLUMNS],
      entries: new Map(),
      rendered: new RenderCache(),
      autoPartNumbers: input.autoPartNumbers ?? false,
      uniquePartNumbers: input.uniquePartNumbers ?? false,
    };
    if (input.partNumberPattern) doc.partNumberPattern = input.partNumberPattern;
    this.addCatalog(doc);
    return doc;
  }

  /**
   * PUT …/parts: adds a row or updates the row with that part number. A row whose properties name a column the
   * document does not have, or carry a non-scalar value, is rejected as a whole ("ERROR") and changes nothing.
   */
  upsertRows(doc: SheetDoc, upserts: RowUpsert[], user: string): UpsertResult[] {
    const columns = new Set(doc.columns);
    const results: UpsertResult[] = [];
    let changed = false;
    for (const upsert of upserts) {
      const properties = this.typedCells(upsert.properties, columns);
      // Checked first, so that a refused row does not use up a generated part number.
      const partNumber =
        properties && (upsert.partNumber ?? (doc.kind === 'catalog' && doc.autoPartNumbers ? this.nextPartNumber(doc) : undefined));
      if (partNumber === undefined || !properties) {
        results.push({ [upsert.partNumber ?? '']: 'ERROR' });
        continue;
      }
      const existing = doc.entries.get(partNumber);
      if (existing) Object.assign(existing.row, properties, { [PART_NUMBER_COLUMN]: partNumber });
      else this.insertEntry(doc, { row: { ...properties, [PART_NUMBER_COLUMN]: partNumber }, revisions: [] });
      results.push({ [partNumber]: 'OK' });
      changed = true;
    }
    if (changed) this.touch(doc, user);
    return results;
  }

  /**
   * The cells of a row write, each as its column stores it (numeric text into a number property becomes the
   * number); undefined when one names no column of the document or does not fit its column (text into a number).
   */
  private typedCells(properties: Record<string, unknown>, columns: Set<string>): Row | undefined {
    const row: Row = {};
    for (const [column, value] of Object.entries(properties)) {
      if (!columns.has(column) || !isScalarCell(value)) return undefined;
      const typed = this.typedCell(column, value);
      if (typed === undefined) return undefined;
      row[column] = typed;
    }
    return row;
  }

  /** A scalar as `column` stores it, or undefined when it does not fit (anything but a number into a number property). */
  private typedCell(column: string, value: string | number | boolean | null): string | number | boolean | null | undefined {
    if (this.kinds.of(column) !== 'number' || isEmptyCell(value)) return value;
    return numberFrom(value);
  }

  /** The next part number of an autoPartNumbers catalog's pattern not yet in use; undefined when the sequence is exhausted. */
  private nextPartNumber(doc: CatalogDoc): string | undefined {
    const pattern = doc.partNumberPattern ?? { prefix: '', separator: '', seqStart: '1', seqEnd: '', seqStep: '1', suffix: '' };
    const start = Number.parseInt(pattern.seqStart, 10) || 0;
    const end = pattern.seqEnd.trim() === '' ? Number.POSITIVE_INFINITY : Number.parseInt(pattern.seqEnd, 10);
    const step = Math.max(1, Number.parseInt(pattern.seqStep, 10) || 1);
    // "0001" means four digits, zero padded.
    const width = /^0\d/.test(pattern.seqStart) ? pattern.seqStart.length : 0;
    for (let n = doc.nextSequence ?? start; n <= end; n += step) {
      const partNumber = [pattern.prefix, String(n).padStart(width, '0'), pattern.suffix]
        .filter((part) => part !== '')
        .join(pattern.separator);
      if (!doc.entries.has(partNumber)) {
        doc.nextSequence = n + step;
        return partNumber;
      }
    }
    return undefined;
  }

  /** POST …/propertyvalue. Rows are found by part number through the index; another key column is searched row by row. */
  setPropertyValue(
    doc: SheetDoc,
    change: { keyColumn: string; key: string; column: string; value: string | number | boolean | null },
    user: string,
  ): void {
    if (!doc.columns.includes(change.keyColumn)) throw badRequest(`Property ["${change.keyColumn}"] not found.`);
    if (!doc.columns.includes(change.column)) throw badRequest(`Property ["${change.column}"] not found.`);
    const [partNumber, entry] = this.findEntry(doc, change.keyColumn, change.key);
    if (change.column === PART_NUMBER_COLUMN) {
      this.renamePart(doc, partNumber, change.value === null ? '' : String(change.value));
    } else {
      const value = this.typedCell(change.column, change.value);
      if (value === undefined) throw badRequest(MESSAGES.notANumber(change.column));
      entry.row[change.column] = value;
    }
    this.touch(doc, user);
  }

  private findEntry(doc: SheetDoc, keyColumn: string, key: string): [string, Entry] {
    if (keyColumn === PART_NUMBER_COLUMN) {
      const entry = doc.entries.get(key);
      if (entry) return [key, entry];
    } else {
      for (const [partNumber, entry] of doc.entries) {
        const value = entry.row[keyColumn];
        if (value !== undefined && value !== null && typeof value !== 'object' && String(value) === key) return [partNumber, entry];
      }
    }
    throw partNotFound();
  }

  private renamePart(doc: SheetDoc, from: string, to: string): void {
    if (to === '') throw badRequest('A part number cannot be empty.');
    if (to === from) return;
    if (doc.entries.has(to)) throw badRequest(`Part number [${to}] already exists in this document.`);
    // Rebuilt so the row keeps its place in the document.
    const entries = [...doc.entries];
    doc.entries.clear();
    for (const [partNumber, entry] of entries) {
      if (partNumber === from) entry.row[PART_NUMBER_COLUMN] = to;
      doc.entries.set(partNumber === from ? to : partNumber, entry);
    }
    if (doc.kind === 'bom') {
      this.countReference(from, -1);
      this.countReference(to, 1);
    }
  }

  removePart(doc: SheetDoc, partNumber: string, user: string): void {
    if (!doc.entries.delete(partNumber)) throw partNotFound();
    if (doc.kind === 'bom') this.countReference(partNumber, -1);
    this.touch(doc, user);
  }

  /** Stores an uploaded file under a name unique within the document and puts it in the part's cell. */
  attachFile(doc: SheetDoc, partNumber: string, column: string, upload: NewFile, user: string): FileValue {
    const entry = doc.entries.get(partNumber);
    if (!entry) throw badRequest(`${MESSAGES.badRequest}: part [${partNumber}] not found.`);
    if (!doc.columns.includes(column)) throw badRequest(`${MESSAGES.badRequest}: property [${column}] not found.`);
    if (this.kinds.of(column) === 'number')
      throw badRequest(`${MESSAGES.badRequest}: property [${column}] is a number property, not an image/file property.`);
    const files = this.filesOf(doc.id);
    const file: FileValue = { kind: 'file', name: uniqueName(upload.name, files), contentType: upload.contentType, bytes: upload.bytes };
    files.set(file.name, file);
    entry.row[column] = file;
    this.touch(doc, user);
    return file;
  }

  deleteBom(id: string): boolean {
    const doc = this.boms.get(id);
    if (!doc) return false;
    this.boms.delete(id);
    this.bomIdsByPartNumber.get(doc.partNumber)?.delete(id);
    if (this.bomIdsByPartNumber.get(doc.partNumber)?.size === 0) this.bomIdsByPartNumber.delete(doc.partNumber);
    for (const partNumber of doc.entries.keys()) this.countReference(partNumber, -1);
    this.files.delete(id);
    return true;
  }

  deleteCatalog(id: string): boolean {
    if (!this.catalogs.delete(id)) return false;
    this.files.delete(id);
    return true;
  }

  // ---- export ------------------------------------------------------------------------------------

  /** The current data as a Fixture (for GET /__admin/state); rows are copied, file bytes shared. */
  toFixture(): Fixture {
    const copyRows = (doc: SheetDoc) => [...doc.entries.values()].map((entry) => ({ ...entry.row }));
    return {
      account: this.account,
      catalogs: [...this.catalogs.values()].map((doc) => {
        const catalog: Catalog = {
          ...sheetMeta(doc),
          parts: [...doc.entries.values()].map((entry) => ({
            row: { ...entry.row },
            revisions: entry.revisions.map((revision) => ({ ...revision, row: { ...revision.row } })),
          })),
          autoPartNumbers: doc.autoPartNumbers,
          uniquePartNumbers: doc.uniquePartNumbers,
        };
        if (doc.partNumberPattern) catalog.partNumberPattern = { ...doc.partNumberPattern };
        return catalog;
      }),
      boms: [...this.boms.values()].map((doc) => {
        const bom: Bom = {
          ...sheetMeta(doc),
          ...bomMeta(doc),
          rows: copyRows(doc),
          revisions: doc.revisions.map((revision) => ({ ...revision, rows: revision.rows.map((row) => ({ ...row })) })),
        };
        if (doc.viewColumns) bom.viewColumns = [...doc.viewColumns];
        return bom;
      }),
      orderBoms: [...this.orderBoms.values()].map((doc) => ({
        ...sheetMeta(doc),
        ...bomMeta(doc),
        numUnits: doc.numUnits,
        rows: copyRows(doc),
      })),
      templates: [...this.templates.values()],
      propertyTables: [...this.propertyTables.values()],
    };
  }
}

function sheetMeta(doc: SheetDoc) {
  return {
    id: doc.id,
    nodeId: doc.nodeId,
    name: doc.name,
    createdBy: doc.createdBy,
    modifiedBy: doc.modifiedBy,
    created: doc.created,
    modified: doc.modified,
    ...servedDates(doc),
    columns: [...doc.columns],
  };
}

function bomMeta(doc: BomDoc | OrderBomDoc) {
  return {
    partNumber: doc.partNumber,
    released: doc.released,
    totalColumns: [...doc.totalColumns],
    ...(doc.catalogId === undefined ? {} : { catalogId: doc.catalogId }),
    ...(doc.templateId === undefined ? {} : { templateId: doc.templateId }),
  };
}

function withPartNumberColumn(columns: string[]): string[] {
  return columns.includes(PART_NUMBER_COLUMN) ? [...columns] : [PART_NUMBER_COLUMN, ...columns];
}

/** "drawing.pdf" → "drawing-2.pdf" when the name is taken, so earlier cells (and revisions) keep their bytes. */
function uniqueName(name: string, taken: Map<string, FileValue>): string {
  if (!taken.has(name)) return name;
  const dot = name.lastIndexOf('.');
  const [stem, extension] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
  for (let n = 2; ; n++) {
    const candidate = `${stem}-${n}${extension}`;
    if (!taken.has(candidate)) return candidate;
  }
}
