/**
 * OpenBOM documents → Jakamo File Callback documents. Pure functions: no I/O, no clock.
 */
import type { MappingConfig } from './config.js';

/** A catalog row keyed by column name. */
export type RowObject = Record<string, unknown>;

/** Column names and rows of cells, as OpenBOM's catalog and merged-revision documents carry them. */
export interface Table {
  columns: string[];
  cells: unknown[][];
}

/** A file cell of a part's row, with what Jakamo shows for it. */
export interface PartFile {
  column: string;
  type: string;
  fileName: string;
  description: string;
  /** The OpenBOM file URL from the cell; stays inside the adapter (the link Jakamo gets is the adapter's own). */
  url: string;
}

/** The Jakamo File Callback document (one entry of `data`). */
export interface JakamoDocument {
  fileName: string;
  description: string;
  type: string;
  link: string;
}

/**
 * OpenBOM's document ids are UUIDs (the API reference's examples, the mock's and generated fixtures' ids). Only a
 * path of exactly that shape is ever fetched with OpenBOM's credentials: no `%2F`, no `..`, no other endpoint.
 */
const FILE_PATH = /^\/document\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\/image$/i;

/** `<origin>/document/<uuid>/image?filename=<name>` → its parts; anything else → undefined. */
export function parseOpenBomFileUrl(value: unknown): { url: string; fileName: string } | undefined {
  if (typeof value !== 'string' || !/^https?:\/\//i.test(value)) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  const fileName = safeFileName(url.searchParams.get('filename') ?? '');
  if (!FILE_PATH.test(url.pathname) || !fileName || url.username || url.password) return undefined;
  return { url: value, fileName };
}

/**
 * The name the adapter shows Jakamo for a file OpenBOM names: its last path segment (`/` or `\`), in NFC, without
 * control characters, bidi controls or line and paragraph separators, trimmed; "" when nothing is left (or only dots).
 * Other Unicode is kept. OpenBOM's own URL is still what the adapter fetches.
 */
export function safeFileName(name: string): string {
  const lastSegment = name.split(/[/\\]/).pop() ?? '';
  const cleaned = lastSegment
    .normalize('NFC')
    .replace(/[\p{Cc}\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069\u2028\u2029]/gu, '')
    .trim();
  return /^\.*$/.test(cleaned) ? '' : cleaned;
}

/** Whether the adapter may fetch this URL: an OpenBOM file URL on exactly the configured OpenBOM origin (no SSRF). */
export function isOpenBomFileUrl(value: string, openBomOrigin: string): boolean {
  return parseOpenBomFileUrl(value) !== undefined && new URL(value).origin === new URL(openBomOrigin).origin;
}

/** Rows as objects; when a column name repeats, its first occurrence wins. */
export function tableRows(table: Table): RowObject[] {
  return table.cells.map((cells) => {
    const row: RowObject = {};
    table.columns.forEach((column, index) => {
      if (!(column in row)) row[column] = cells[index];
    });
    return row;
  });
}

/**
 * The files of one row: the configured file columns, or else every column holding an OpenBOM file URL.
 * Only URLs on the OpenBOM origin count, so a listing never offers a file the adapter would refuse to fetch.
 */
export function filesOfRow(row: RowObject, mapping: MappingConfig, openBomOrigin: string): PartFile[] {
  const columns = mapping.files ?? Object.keys(row).map((column) => ({ column, type: column }));
  const description = cellText(row[mapping.descriptionColumn]);
  return columns.flatMap(({ column, type }) => {
    // "null" (an empty file cell), "" and anything that is not an OpenBOM file URL is skipped.
    const value = row[column];
    const file = typeof value === 'string' && isOpenBomFileUrl(value, openBomOrigin) ? parseOpenBomFileUrl(value) : undefined;
    return file ? [{ column, type, fileName: file.fileName, description, url: file.url }] : [];
  });
}

/** A cell as text: trimmed, and "" for empty cells (null, undefined, the string "null"). */
export function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  const scalar = typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint';
  const text = (typeof value === 'string' ? value : scalar ? value.toString() : (JSON.stringify(value) ?? '')).trim();
  return text === 'null' ? '' : text;
}

/** Position of the wanted revision in the part's revision list (matched on `revision`, as text), or -1. */
export function findRevision(revisions: Array<{ revision?: unknown }>, wanted: string): number {
  return revisions.findIndex((item) => cellText(item.revision) === wanted);
}

/**
 * The row of one revision in a merged-revisions document: the row whose revision label ("Revision", or the
 * mapped revision column) is the wanted one; failing that, the row at the revision's position in the list
 * when the document has one row per revision.
 */
export function rowOfRevision(
  merged: Table,
  wanted: string,
  position: number,
  revisionCount: number,
  revisionColumn: string,
): RowObject | undefined {
  const rows = tableRows(merged);
  const labels = [...new Set(['Revision', revisionColumn])];
  const byLabel = rows.find((row) => labels.some((label) => cellText(row[label]) === wanted));
  if (byLabel) return byLabel;
  return rows.length === revisionCount ? rows[position] : undefined;
}

/** The adapter's own download link for a file: only material, revision, column and file name, re-resolved on download. */
export function downloadLink(
  publicBaseUrl: string,
  file: { materialId: string; revision: string; column: string; fileName: string },
): string {
  const query = new URLSearchParams({ materialId: file.materialId });
  if (file.revision !== '') query.set('revision', file.revision);
  query.set('column', file.column);
  query.set('fileName', file.fileName);
  return `${publicBaseUrl}/materials/documents/download?${query.toString()}`;
}

export function toJakamoDocuments(files: PartFile[], publicBaseUrl: string, materialId: string, revision: string): JakamoDocument[] {
  return files.map((file) => ({
    fileName: file.fileName,
    description: file.description,
    type: file.type,
    link: downloadLink(publicBaseUrl, { materialId, revision, column: file.column, fileName: file.fileName }),
  }));
}
