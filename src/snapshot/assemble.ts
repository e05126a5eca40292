/**
 * OpenBOM's answers → a fixture document (src/fixtures/document.ts), in the terms `mock --fixtures` loads.
 *
 * One traversal serves two purposes, so that what is fetched and what is written can never drift apart:
 * - live (run.ts): every `reader.json`/`reader.file` fetches what is not cached yet; the traversal *is* the crawl;
 * - replay: the reader answers only from what is already in DIR and throws `Missing` for the rest; each unit that
 *   meets a `Missing` (a part, a BOM, a table …) is left out, so an interrupted run still gives a loadable fixture.
 */
import type {
  BomDoc,
  BomRevisionDoc,
  CatalogDoc,
  CatalogPartDoc,
  FileCellDoc,
  FixtureDoc,
  OrderBomDoc,
  PartRevisionDoc,
  PropertyDefinitionDoc,
  PropertyTableDoc,
  RowDoc,
  TemplateDoc,
} from '../fixtures/document.js';
import { ColumnKinds, fitsKind } from '../fixtures/column-types.js';
import { documentDate } from '../fixtures/openbom-dates.js';
import { PART_NUMBER_COLUMN, type JsonValue } from '../fixtures/types.js';

/** What the traversal reads. In replay, both throw Missing for anything not fetched yet. */
export interface SnapshotReader {
  /** The JSON body OpenBOM answered for an authenticated GET of `path`, whose `:name` segments are filled from `params`. */
  json(path: string, params?: Record<string, string>): Promise<unknown>;
  /** The file a cell's URL names, saved under DIR, as a fixture file cell; null when OpenBOM no longer has it. */
  file(url: string): Promise<FileCellDoc | null>;
}

/** Not fetched (yet): the unit that needs it is left out of a partial fixture. */
export class Missing extends Error {
  override name = 'Missing';
}

/** OpenBOM refused a GET for this thing (a 4xx such as 404): the unit is left out, with a warning. */
export class Unavailable extends Error {
  override name = 'Unavailable';
}

export interface AssembleOptions {
  /** OpenBOM's origin, e.g. https://developer-api.openbom.com: cells that are its file URLs become file cells. */
  origin: string;
  /** Catalog ids to take (default all). */
  catalogs?: string[];
  /** BOM and order BOM ids to take, with their sub-assemblies (default all). */
  boms?: string[];
  /** Most files downloaded per row (per part); the rest become empty file cells. Infinity: all. */
  filesPerRow: number;
  /** The fixture's own account (placeholders). */
  account: FixtureDoc['account'];
  /** Runs the callbacks with bounded concurrency (live) or one by one (replay). */
  each: <T, R>(items: T[], work: (item: T) => Promise<R>) => Promise<R[]>;
}

export interface AssembleResult {
  doc: FixtureDoc;
  /** Units counted: what a progress bar shows. */
  counts: SnapshotCounts;
  /** Things OpenBOM returned that the fixture format cannot hold, each a short sentence (deduplicated). */
  warnings: string[];
}

export interface SnapshotCounts {
  catalogs: number;
  parts: number;
  boms: number;
  orderBoms: number;
  templates: number;
  propertyTables: number;
  /** Units left out because something they need is not fetched yet (replay only). */
  incomplete: number;
  /** File cells left empty because of --files. */
  filesLeftOut: number;
}

type Json = Record<string, unknown>;

export async function assembleSnapshot(reader: SnapshotReader, options: AssembleOptions): Promise<AssembleResult> {
  return new Assembler(reader, options).run();
}

class Assembler {
  private readonly counts: SnapshotCounts = {
    catalogs: 0,
    parts: 0,
    boms: 0,
    orderBoms: 0,
    templates: 0,
    propertyTables: 0,
    incomplete: 0,
    filesLeftOut: 0,
  };
  private readonly warnings = new Set<string>();
  /** Ids already used in the document: the loader refuses duplicates, so later ones are dropped or derived. */
  private readonly ids = new Set<string>();
  /** Column types from the snapshot's property tables, as the loader will check them. */
  private kinds = new ColumnKinds([]);

  constructor(
    private readonly reader: SnapshotReader,
    private readonly options: AssembleOptions,
  ) {}

  async run(): Promise<AssembleResult> {
    // Property tables first: their column types decide how each cell is written (see row()). An id two things share
    // keeps the first; the loader refuses no id, whichever that is.
    const propertyTables = await this.optional(() => this.propertyTables(), []);
    this.kinds = new ColumnKinds(propertyTables);
    const [templates, catalogs, boms, orderBoms] = [
      await this.optional(() => this.templates(), []),
      await this.optional(() => this.catalogs(), []),
      await this.optional(() => this.boms(), []),
      await this.optional(() => this.orderBoms(), []),
    ];
    const doc: FixtureDoc = { account: this.options.account, templates, catalogs, boms, orderBoms, propertyTables };
    return { doc, counts: this.counts, warnings: [...this.warnings] };
  }

  // ------------------------------------------------------------------------------------------- templates

  private async templates(): Promise<TemplateDoc[]> {
    const listing = await this.list('/templates');
    const templates: TemplateDoc[] = [];
    for (const item of listing) {
      const id = text(item.id ?? item.templateId);
      if (!id || !this.claim(id, 'template')) continue;
      // No GET returns a template's columns: the mock's templates start empty (see docs/snapshot.md).
      templates.push({
        id,
        name: text(item.name) ?? id,
        ...people(item),
        ...times({ created: item.created, modified: item.modified }),
        columns: [],
      });
      this.counts.templates++;
    }
    return templates;
  }

  // -------------------------------------------------------------------------------------------- catalogs

  private async catalogs(): Promise<CatalogDoc[]> {
    const listing = selected(await this.list('/catalogs'), this.options.catalogs);
    const catalogs = await this.options.each(listing, (item) => this.optional(() => this.catalog(item), undefined));
    return catalogs.filter((c): c is CatalogDoc => c !== undefined && this.claim(c.id, 'catalog'));
  }

  private async catalog(item: Json): Promise<CatalogDoc> {
    const id = text(item.id ?? item.itemsId)!;
    const document = asObject(await this.reader.json('/catalog/:id', { id }));
    const table = tableOf(document);
    if (!table.columns.includes(PART_NUMBER_COLUMN))
      throw this.unusable(`catalog ${id} has no "${PART_NUMBER_COLUMN}" column; it is left out`);
    const currentRows = this.uniqueRows(table, `catalog ${id}`);
    const parts = await this.options.each(currentRows, (row) => this.optional(() => this.part(id, table.columns, row), undefined));
    const catalog: CatalogDoc = {
      ...this.header(id, item, document),
      columns: table.columns,
      parts: parts.filter((p): p is CatalogPartDoc => p !== undefined),
    };
    this.counts.catalogs++;
    return catalog;
  }

  private async part(catalogId: string, columns: string[], cells: unknown[]): Promise<CatalogPartDoc> {
    const row = await this.row(columns, cells, catalogId);
    // uniqueRows kept only rows whose part number is text or a number; row() made it text.
    const pn = row[PART_NUMBER_COLUMN] as string;
    const params = { id: catalogId, pn };
    const listed = (await this.list('/catalog/:id/revisions/partnumber/:pn', params)).filter(
      (r) => r.revisionNumber !== undefined || r.revision !== undefined,
    );
    const part: CatalogPartDoc = { row };
    if (listed.length > 0) {
      const merged = asObject(await this.reader.json('/catalog/:id/revisions/merged/partnumber/:pn', params));
      part.revisions = await this.partRevisions(catalogId, listed, merged, row);
    }
    this.counts.parts++;
    return part;
  }

  /** The item revisions listing gives ids, numbers, labels, states and docIds; the merged document the rows and dates. */
  private async partRevisions(catalogId: string, listed: Json[], merged: Json, current: RowDoc): Promise<PartRevisionDoc[]> {
    const columns = Array.isArray(merged.columns) ? merged.columns.map(String) : [];
    const cells = Array.isArray(merged.cells) ? merged.cells.filter(Array.isArray) : [];
    // The merged document leads with the revision label and state, then the catalog's columns.
    const leading = columns[0] === 'Revision' && columns[1] === 'Revision State' ? 2 : 0;
    const rowColumns = columns.slice(leading);
    const revisions: PartRevisionDoc[] = [];
    let previousNumber = 0;
    for (const [i, entry] of listed.entries()) {
      const label = text(entry.revision) ?? String(entry.revisionNumber);
      const number =
        typeof entry.revisionNumber === 'number' && Number.isInteger(entry.revisionNumber) && entry.revisionNumber > previousNumber
          ? entry.revisionNumber
          : undefined;
      if (revisions.some((r) => r.revision === label)) {
        this.warn(`a part lists revision "${label}" twice; the second is left out`);
        continue;
      }
      const mergedRow = cells.find((r) => leading === 2 && String(r[0]) === label) ?? cells[i];
      const revision: PartRevisionDoc = { revision: label };
      if (number !== undefined) revision.revisionNumber = previousNumber = number;
      else previousNumber++;
      const state = text(entry.state);
      if (state) revision.state = state;
      // The merged document's dates are its first and latest revisions'; the ones between are not returned. A single
      // revision is both: its date is the latest's (modifiedDate).
      if (i === 0) {
        Object.assign(revision, times({ modified: merged.createdDate }), personField('modifiedBy', merged.createdBy));
        Object.assign(revision, servedDate('modifiedDate', merged.createdDate, revision.modified));
      }
      if (i === listed.length - 1) {
        delete revision.modifiedDate;
        Object.assign(revision, times({ modified: merged.modifiedDate }), personField('modifiedBy', merged.modifiedBy));
        Object.assign(revision, servedDate('modifiedDate', merged.modifiedDate, revision.modified));
      }
      const docId = text(entry.docId);
      if (docId && this.claim(docId)) revision.docId = docId;
      const entryId = text(entry.id);
      if (entryId && this.claim(entryId)) revision.id = entryId;
      if (mergedRow) Object.assign(revision, difference(current, await this.row(rowColumns, mergedRow.slice(leading), catalogId)));
      revisions.push(revision);
    }
    return revisions;
  }

  // ------------------------------------------------------------------------------------------------ BOMs

  private async boms(): Promise<BomDoc[]> {
    const listing = await this.list('/boms');
    const chosen = await this.withSubAssemblies(listing);
    const boms = await this.options.each(chosen, (item) => this.optional(() => this.bom(item), undefined));
    return this.distinctBoms(boms.filter((b): b is BomDoc => b !== undefined));
  }

  /** --boms ids plus, level by level, every BOM whose part number is a row of one already chosen. */
  private async withSubAssemblies(listing: Json[]): Promise<Json[]> {
    if (!this.options.boms) return listing;
    const byPartNumber = new Map(listing.map((item) => [text(item.bomPartNumber) ?? '', item]));
    const chosen = selected(listing, this.options.boms);
    const seen = new Set(chosen);
    for (let i = 0; i < chosen.length; i++) {
      const id = text(chosen[i]!.id ?? chosen[i]!.bomId)!;
      const document = await this.optional(async () => asObject(await this.reader.json('/bom/:id?useview=false', { id })), undefined);
      if (!document) continue;
      const table = tableOf(document);
      const pnIndex = table.columns.indexOf(PART_NUMBER_COLUMN);
      for (const row of table.rows) {
        const child = byPartNumber.get(text(row[pnIndex]) ?? '');
        if (child && !seen.has(child)) {
          seen.add(child);
          chosen.push(child);
        }
      }
    }
    return chosen;
  }

  private async bom(item: Json): Promise<BomDoc> {
    const id = text(item.id ?? item.bomId)!;
    const { bom, full } = await this.bomFields(id, item, '/bom/:id?useview=false');
    // The saved view: what GET /bom/<id> shows by default.
    const view = tableOf(asObject(await this.reader.json('/bom/:id', { id })));
    const result: BomDoc = { ...bom };
    if (JSON.stringify(view.columns) !== JSON.stringify(full.columns))
      result.viewColumns = view.columns.filter((c) => full.columns.includes(c));
    const listed = await this.list('/bom/:id/revisions', { id });
    result.revisions = await this.options.each(listed, (entry) => this.bomRevision(id, entry));
    this.counts.boms++;
    return result;
  }

  private async bomRevision(bomId: string, entry: Json): Promise<BomRevisionDoc> {
    const number = entry.revisionNumber;
    const document = asObject(await this.reader.json('/bom/:id/revision/:number', { id: bomId, number: String(number) }));
    const table = tableOf(document);
    const revision: BomRevisionDoc = {};
    const id = text(entry.id) ?? text(document.id);
    if (id && this.claim(id)) revision.id = id;
    if (typeof number === 'number' && Number.isInteger(number) && number > 0) revision.revisionNumber = number;
    const description = text(entry.description);
    if (description) revision.description = description;
    Object.assign(revision, times({ created: document.createdDate }), personField('createdBy', document.createdBy));
    // The mock writes both dates of a revision document from `created`.
    Object.assign(
      revision,
      servedDate('createdDate', document.createdDate, revision.created),
      servedDate('modifiedDate', document.modifiedDate, revision.created),
    );
    revision.rows = await Promise.all(
      this.uniqueRows(table, `revision ${String(number)} of BOM ${bomId}`).map((cells) => this.row(table.columns, cells, bomId)),
    );
    return revision;
  }

  private async orderBoms(): Promise<OrderBomDoc[]> {
    const listing = selected(await this.list('/orderboms'), this.options.boms);
    const orders = await this.options.each(listing, (item) =>
      this.optional(async () => {
        const id = text(item.id ?? item.bomId)!;
        const { bom, document } = await this.bomFields(id, item, '/orderbom/:id');
        const numUnits = typeof item.numUnits === 'number' ? item.numUnits : document.numUnits;
        this.counts.orderBoms++;
        return { ...bom, numUnits: typeof numUnits === 'number' ? numUnits : 1 } satisfies OrderBomDoc;
      }, undefined),
    );
    return this.distinctBoms(orders.filter((o): o is OrderBomDoc => o !== undefined));
  }

  /** What BOMs and order BOMs share: header, part number, columns, totals and rows. */
  private async bomFields(id: string, item: Json, path: string) {
    const document = asObject(await this.reader.json(path, { id }));
    const full = tableOf(document);
    if (!full.columns.includes(PART_NUMBER_COLUMN)) throw this.unusable(`BOM ${id} has no "${PART_NUMBER_COLUMN}" column; it is left out`);
    const totals = Array.isArray(document.totalCells) && Array.isArray(document.totalCells[0]) ? (document.totalCells[0] as unknown[]) : [];
    const rows = await Promise.all(this.uniqueRows(full, `BOM ${id}`).map((cells) => this.row(full.columns, cells, id)));
    const bom: BomDoc = {
      ...this.header(id, item, document),
      columns: full.columns,
      totalColumns: full.columns.filter((_, i) => typeof totals[i] === 'number'),
      rows,
    };
    const partNumber = text(item.bomPartNumber) ?? text(document.partNumber);
    if (partNumber) bom.partNumber = partNumber;
    if (typeof item.released === 'boolean') bom.released = item.released;
    return { bom, full, document };
  }

  /** BOM names and part numbers are unique in a fixture (as in OpenBOM); a clash keeps the first. */
  private distinctBoms<T extends BomDoc | OrderBomDoc>(boms: T[]): T[] {
    const names = new Set<string>();
    const partNumbers = new Set<string>();
    return boms.filter((b) => {
      const pn = String(b.partNumber ?? b.name);
      if (names.has(b.name) || partNumbers.has(pn)) {
        this.warn(`BOM "${b.name}" repeats another BOM's name or part number; it is left out`);
        return false;
      }
      names.add(b.name);
      partNumbers.add(pn);
      return this.claim(b.id, 'BOM');
    });
  }

  // ------------------------------------------------------------------------------------- property tables

  private async propertyTables(): Promise<PropertyTableDoc[]> {
    const listing = await this.list('/propertytables');
    const tables = await this.options.each(listing, (item) =>
      this.optional(async () => {
        const id = text(item.id ?? item._id)!;
        const properties = await this.list('/propertytable/:id', { id });
        const names = new Set<string>();
        const table: PropertyTableDoc = {
          id,
          name: text(item.name) ?? id,
          ...personField('createdBy', item.createdBy),
          updatedBy: text(item.updatedBy) ?? null,
          ...times({ created: item.created, updated: item.updated }),
          private: item.private === true,
          properties: properties.flatMap((p): PropertyDefinitionDoc[] => {
            const name = text(p.name);
            if (!name || names.has(name)) return [];
            names.add(name);
            return [
              {
                name,
                datatype: text(p.datatype) ?? 'S',
                ...times({ created: p.created, updated: p.updated }),
                ...idField(text(p.id ?? p._id)),
              },
            ];
          }),
        };
        this.counts.propertyTables++;
        return table;
      }, undefined),
    );
    return tables.filter((t): t is PropertyTableDoc => {
      if (t === undefined || !this.claim(t.id, 'property table')) return false;
      // Property ids are optional: a clash lets the loader derive one.
      for (const p of t.properties) if (p.id !== undefined && !this.claim(p.id)) delete p.id;
      return true;
    });
  }

  // ---------------------------------------------------------------------------------------------- pieces

  private header(id: string, item: Json, document: Json) {
    const createdBy = text(document.createdBy) ?? text(item.user);
    const modifiedBy = text(item.modifiedBy) ?? text(document.modifiedBy);
    // The listing's `modified` has milliseconds; the document's dates only seconds.
    const dates = times({ created: document.createdDate, modified: item.modified ?? document.modifiedDate });
    return {
      id,
      ...(typeof item.nodeId === 'number' && Number.isInteger(item.nodeId) && item.nodeId >= 0 ? { nodeId: item.nodeId } : {}),
      name: text(item.name) ?? text(document.name) ?? id,
      ...(createdBy ? { createdBy } : {}),
      ...(modifiedBy ? { modifiedBy } : {}),
      ...dates,
      ...servedDate('createdDate', document.createdDate, dates.created),
      ...servedDate('modifiedDate', document.modifiedDate, dates.modified),
    };
  }

  /**
   * A served row of document `owner` as a fixture row the mock serves back identically: file URLs → file cells
   * (naming the document the URL is on when not `owner`), "null" → an empty cell, "" → left out (served as "", but
   * as "null" in an image/file column, so kept there). Whatever else the mock would not serve back as is (JSON null,
   * objects, arrays, a value its column's type does not allow) → a verbatim cell.
   */
  private async row(columns: string[], cells: unknown[], owner: string): Promise<RowDoc> {
    const row: RowDoc = {};
    let files = 0;
    for (const [i, column] of columns.entries()) {
      const value = cells[i];
      const kind = this.kinds.of(column);
      if (value === undefined || (value === '' && kind !== 'file')) continue;
      if (value === 'null') {
        row[column] = null;
        continue;
      }
      if (typeof value === 'string' && isFileUrl(value, this.options.origin)) {
        if (files >= this.options.filesPerRow) {
          this.counts.filesLeftOut++;
          row[column] = null;
          continue;
        }
        files++;
        row[column] = this.onDocument(await this.reader.file(value), fileUrlDocument(value), owner);
        if (row[column] === null) this.warn('a file OpenBOM no longer serves is an empty file cell');
        continue;
      }
      if (column === PART_NUMBER_COLUMN && typeof value === 'number') row[column] = String(value);
      else row[column] = value !== '' && isScalar(value) && fitsKind(kind, value) ? value : { verbatim: value as JsonValue };
    }
    return row;
  }

  /** A downloaded file as a cell of document `owner`: it names the document its URL is on when that is another. */
  private onDocument(cell: FileCellDoc | null, docId: string, owner: string): FileCellDoc | null {
    if (cell === null || docId === owner) return cell;
    if (!DOCUMENT_ID.test(docId)) {
      this.warn(`a file of document "${docId}" (not a URL-safe id) is served under the document whose cell names it`);
      return cell;
    }
    return { ...cell, docId };
  }

  /** Rows with a part number, each part number once (the fixture keys rows by it, as OpenBOM's writes do). */
  private uniqueRows(table: { columns: string[]; rows: unknown[][] }, where: string): unknown[][] {
    const pnIndex = table.columns.indexOf(PART_NUMBER_COLUMN);
    const seen = new Set<string>();
    return table.rows.filter((cells) => {
      const pn = cells[pnIndex];
      const key = typeof pn === 'string' || typeof pn === 'number' ? String(pn).trim() : '';
      if (key === '' || seen.has(String(pn))) {
        this.warn(`${where}: a row without a part number, or repeating one, is left out`);
        return false;
      }
      seen.add(String(pn));
      return true;
    });
  }

  private async list(path: string, params: Record<string, string> = {}): Promise<Json[]> {
    const data = await this.reader.json(path, params);
    if (!Array.isArray(data)) throw this.unusable(`GET ${path} did not answer a list; left out`);
    return data.filter((item): item is Json => item !== null && typeof item === 'object' && !Array.isArray(item));
  }

  /** Runs a unit; a Missing (replay) or an unusable answer leaves it out. */
  private async optional<T, F>(work: () => Promise<T>, fallback: F): Promise<T | F> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof Missing) {
        this.counts.incomplete++;
        return fallback;
      }
      if (error instanceof Unusable) return fallback;
      if (error instanceof Unavailable) {
        this.warn(`${error.message}; left out`);
        return fallback;
      }
      throw error;
    }
  }

  private claim(id: string, kind?: string): boolean {
    if (this.ids.has(id)) {
      if (kind) this.warn(`a ${kind} repeats the id ${id}; it is left out`);
      return false;
    }
    this.ids.add(id);
    return true;
  }

  private unusable(message: string): Unusable {
    this.warn(message);
    return new Unusable(message);
  }

  private warn(message: string): void {
    this.warnings.add(message);
  }
}

class Unusable extends Error {}

function selected(listing: Json[], ids: string[] | undefined): Json[] {
  const withId = listing.filter((item) => text(item.id ?? item.bomId ?? item.itemsId) !== undefined);
  if (!ids) return withId;
  const wanted = new Set(ids);
  return withId.filter((item) => wanted.has(text(item.id ?? item.bomId ?? item.itemsId)!));
}

function tableOf(document: Json): { columns: string[]; rows: unknown[][] } {
  const columns = Array.isArray(document.columns) ? document.columns.map(String) : [];
  const rows = Array.isArray(document.cells) ? document.cells.filter(Array.isArray) : [];
  return { columns: [...new Set(columns)], rows };
}

function asObject(value: unknown): Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : {};
}

/** A non-empty string (numbers as their text), else undefined. */
function text(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function idField(id: string | undefined): { id?: string } {
  return id ? { id } : {};
}

function personField<K extends string>(key: K, value: unknown): Partial<Record<K, string>> {
  const person = text(value);
  return person ? ({ [key]: person } as Record<K, string>) : {};
}

function people(item: Json) {
  return personField('createdBy', item.createdBy ?? item.user);
}

/** OpenBOM's times (epoch ms, ISO 8601, or "07 Aug 2018; 15:48:27 GMT") as ISO 8601; unreadable ones are left out. */
function times<K extends string>(values: Record<K, unknown>): Partial<Record<K, string>> {
  const result: Partial<Record<K, string>> = {};
  for (const key of Object.keys(values) as K[]) {
    const iso = isoTime(values[key]);
    if (iso) result[key] = iso;
  }
  return result;
}

export function isoTime(value: unknown): string | undefined {
  let ms: number | undefined;
  if (typeof value === 'number' && Number.isFinite(value)) ms = value;
  else if (typeof value === 'string' && value !== '') ms = Date.parse(value.replace(';', ''));
  if (ms === undefined || Number.isNaN(ms)) return undefined;
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** What a fixture file cell's docId may hold (fixtures/schema.json): an id that sits in a URL path as it is. */
const DOCUMENT_ID = /^[A-Za-z0-9._~-]+$/;

/** The document id a file URL (isFileUrl) is on. */
function fileUrlDocument(url: string): string {
  const segment = new URL(url).pathname.split('/')[2] ?? '';
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

const isScalar = (value: unknown): value is string | number | boolean =>
  typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));

/** OpenBOM's date text, kept when the mock would not write the same from the fixture's timestamp `iso`. */
function servedDate<K extends string>(key: K, served: unknown, iso: string | undefined): Partial<Record<K, string>> {
  if (typeof served !== 'string' || served === '') return {};
  return iso !== undefined && documentDate(Date.parse(iso)) === served ? {} : ({ [key]: served } as Record<K, string>);
}

/** `<origin>/document/<docId>/image?filename=<name>`: the contract's file URL. */
export function isFileUrl(value: string, origin: string): boolean {
  if (!value.startsWith(`${origin}/document/`)) return false;
  try {
    const url = new URL(value);
    return /^\/document\/[^/]+\/image$/.test(url.pathname) && (url.searchParams.get('filename') ?? '') !== '';
  } catch {
    return false;
  }
}

/** A revision's row in the fixture's terms: the cells that differ from the current row, and the columns it lacks. */
function difference(current: RowDoc, revision: RowDoc): { row?: RowDoc; unset?: string[] } {
  const changes: RowDoc = {};
  for (const [column, value] of Object.entries(revision)) {
    if (!(column in current) || JSON.stringify(current[column]) !== JSON.stringify(value)) changes[column] = value;
  }
  const unset = Object.keys(current).filter((column) => !(column in revision) && column !== PART_NUMBER_COLUMN);
  return { ...(Object.keys(changes).length > 0 ? { row: changes } : {}), ...(unset.length > 0 ? { unset } : {}) };
}
