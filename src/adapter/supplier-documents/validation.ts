/**
 * Request validation for supplier documents, with the schemas of spec/jakamo-file-callback.yaml compiled by ajv once
 * per process (from the package on disk or the single binary). Every problem becomes one `{message, field}` entry.
 *
 * Besides standard JSON Schema the spec uses three keywords of ours, registered here:
 * - `x-error-message`: the message of a failed constraint at that schema level (after the field name);
 * - `x-max-utf8-bytes`: a string's UTF-8 length limit (maxLength counts characters, file systems count bytes);
 * - `x-strict-base64`: canonical base64. As a regex over 67 MB, the check overflows V8's regex stack, so it is
 *   code: the string must survive decode → encode unchanged, which rules out whitespace, URL-safe characters,
 *   missing or extra padding and non-zero pad bits in one comparison.
 */
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { isDeepStrictEqual } from 'node:util';
import YAML from 'yaml';
import { readAsset } from '../../shared/assets.js';
import type { ErrorEntry } from '../errors.js';
import type { MetaDataEntry, SupplierDocumentInput } from './store.js';

const SPEC_PATH = 'spec/jakamo-file-callback.yaml';
const SPEC_ID = 'jakamo-file-callback.yaml';
/** A valid body is three levels deep and holds a few hundred values; far beyond either is refused unparsed. */
const MAX_JSON_NESTING = 32;
const MAX_JSON_VALUES = 10_000;

export type Validated<T> = { ok: true; value: T } | { ok: false; errors: ErrorEntry[] };

interface Validators {
  upload: ValidateFunction;
  maxMetaDataEntries: number;
  supplierId: ValidateFunction;
  fileName: ValidateFunction;
}

let validators: Validators | undefined;

/** What a bundle embeds: the spec's components.schemas, and the error they give for contents that are not base64. */
interface CheckedSpec {
  schemas: Record<string, unknown>;
  notBase64: ErrorEntry;
}

/**
 * A CheckedSpec as JSON, made at build time by the code below with every check a start-up from source makes
 * (supplierDocumentValidationJson): the bundlers define it (scripts/build-defines.mjs), so that the CLI and the binary
 * start without parsing the spec's YAML or compiling JSON Schema, and compile the validators when a request first needs
 * them (the build proved that these very schemas compile). Undefined when running from source, which reads the spec.
 */
declare const JAKAMO_SUPPLIER_DOCUMENT_VALIDATION_JSON: string | undefined;

let embedded: CheckedSpec | undefined;
function embeddedSpec(): CheckedSpec | undefined {
  if (typeof JAKAMO_SUPPLIER_DOCUMENT_VALIDATION_JSON !== 'string') return undefined;
  embedded ??= JSON.parse(JAKAMO_SUPPLIER_DOCUMENT_VALIDATION_JSON) as CheckedSpec;
  return embedded;
}

function compiledValidators(): Validators {
  const checked = embeddedSpec();
  validators ??= checked
    ? compileValidators(checked.schemas, { checkedAtBuild: true })
    : compileValidators(specSchemas(), { checkedAtBuild: false });
  return validators;
}

/** The spec's schemas and their non-base64 error, after the checks a start-up from source makes, as JSON: what a bundle embeds. */
export function supplierDocumentValidationJson(): string {
  const schemas = specSchemas();
  const checked: CheckedSpec = { schemas, notBase64: notBase64Of(compileValidators(schemas, { checkedAtBuild: false })) };
  const json = JSON.stringify(checked);
  if (!isDeepStrictEqual(JSON.parse(json), checked)) throw new Error(`${SPEC_PATH} schemas do not survive a round trip through JSON`);
  return json;
}

function specSchemas(): Record<string, unknown> {
  const spec = YAML.parse(readAsset(SPEC_PATH).toString('utf8')) as { components?: { schemas?: Record<string, unknown> } };
  const schemas = spec.components?.schemas;
  if (!schemas?.SupplierDocumentUpload) throw new Error(`${SPEC_PATH} has no components.schemas.SupplierDocumentUpload`);
  return schemas;
}

function compileValidators(schemas: Record<string, unknown>, { checkedAtBuild }: { checkedAtBuild: boolean }): Validators {
  // verbose: errors carry their parentSchema, where `x-error-message` lives. Schemas checked at build time are not
  // checked against the meta-schema again (compiling it is most of the cost); strict mode still applies to both.
  const ajv = new Ajv2020({ allErrors: true, verbose: true, strict: true, validateSchema: !checkedAtBuild });
  // The spec's `$ref: '#/components/schemas/…'` resolve inside this wrapper, as they do in the spec itself.
  ajv.addKeyword('components');
  ajv.addKeyword({ keyword: 'x-error-message', schemaType: 'string' });
  ajv.addKeyword({
    keyword: 'x-max-utf8-bytes',
    type: 'string',
    schemaType: 'number',
    validate: (limit: number, data: string) => Buffer.byteLength(data, 'utf8') <= limit,
  });
  ajv.addKeyword({
    keyword: 'x-strict-base64',
    type: 'string',
    schemaType: 'boolean',
    validate: (strict: boolean, data: string) => !strict || isCanonicalBase64(data),
  });
  ajv.addSchema({ $id: SPEC_ID, components: { schemas } });
  const compile = (name: string) => ajv.compile({ $ref: `${SPEC_ID}#/components/schemas/${name}` });
  const metaData = (schemas.SupplierDocumentUpload as { properties?: { metaData?: { maxItems?: number } } }).properties?.metaData;
  if (typeof metaData?.maxItems !== 'number') throw new Error(`${SPEC_PATH} has no metaData maxItems`);
  return {
    upload: compile('SupplierDocumentUpload'),
    supplierId: compile('SupplierId'),
    fileName: compile('SupplierDocumentFileName'),
    maxMetaDataEntries: metaData.maxItems,
  };
}

export function isCanonicalBase64(text: string): boolean {
  return text.length % 4 === 0 && Buffer.from(text, 'base64').toString('base64') === text;
}

/** Length of the base64 text of `bytes` bytes. */
export function base64Length(bytes: number): number {
  return Math.ceil(bytes / 3) * 4;
}

/** A path parameter; the field is named as in the spec. */
export function pathParameterErrors(field: 'supplierId' | 'fileName', value: string): ErrorEntry[] {
  const validate = compiledValidators()[field];
  return validate(value) ? [] : toEntries(validate.errors ?? [], field);
}

/** Request body bytes → a JSON object, or why not (invalid UTF-8, not JSON, too deeply nested, not an object). */
export function parseJsonObject(bytes: Uint8Array): Validated<Record<string, unknown>> {
  const refuse = (message: string): Validated<Record<string, unknown>> => ({ ok: false, errors: [{ message }] });
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return refuse('The request body is not valid UTF-8.');
  }
  const shapeProblem = jsonShapeProblem(text);
  if (shapeProblem) return refuse(shapeProblem);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return refuse('The request body is not valid JSON.');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return refuse('The request body must be a JSON object with fileName, base64EncodedContents and optionally metaData.');
  }
  return { ok: true, value: value as Record<string, unknown> };
}

/**
 * A POST/PUT body, with `base64EncodedContents` already streamed out of it (upload-stream.ts: it holds "" there,
 * and `contentsErrors` says what was wrong with the real one) → the document to store without its contents, or
 * every problem with it. The fileName is stored in Unicode NFC, so that one name typed on two systems is one document.
 */
export function validateUpload(
  body: Record<string, unknown>,
  supplierId: string,
  contentsErrors: ErrorEntry[] = [],
): Validated<Omit<SupplierDocumentInput, 'contents'>> {
  const { upload } = compiledValidators();
  const normalized: Record<string, unknown> =
    typeof body.fileName === 'string' ? { ...body, fileName: normalizeFileName(body.fileName) } : { ...body };
  // A list over the limit is one error: its entries past the limit + 1 are not checked one by one.
  if (Array.isArray(body.metaData) && body.metaData.length > maxMetaDataEntries())
    normalized.metaData = body.metaData.slice(0, maxMetaDataEntries() + 1);
  const errors = [
    ...pathParameterErrors('supplierId', supplierId),
    ...(upload(normalized) ? [] : toEntries(upload.errors ?? [])),
    ...contentsErrors,
  ];
  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    value: {
      supplierId,
      fileName: normalized.fileName as string,
      metaData: ((normalized.metaData as MetaDataEntry[] | undefined) ?? []).map(({ key, value }) => ({ key, value })),
    },
  };
}

/** The spec's metaData maxItems. */
function maxMetaDataEntries(): number {
  return compiledValidators().maxMetaDataEntries;
}

/** Names are compared and stored in NFC: `Zürich.pdf` typed with a combining diaeresis (NFD) is the same document. */
export function normalizeFileName(fileName: string): string {
  return fileName.normalize('NFC');
}

/** The error for contents that are not canonical base64, in the spec's words. */
export function notBase64(): ErrorEntry {
  return embeddedSpec()?.notBase64 ?? notBase64Of(compiledValidators());
}

function notBase64Of({ upload }: Validators): ErrorEntry {
  // Any non-base64 string fails on the spec's x-strict-base64 with its own x-error-message.
  upload({ fileName: 'x', base64EncodedContents: '!' });
  const entry = toEntries(upload.errors ?? []).find(({ field }) => field === 'base64EncodedContents');
  if (!entry) throw new Error(`${SPEC_PATH} no longer refuses non-base64 contents`);
  return entry;
}

/** The one error for contents over the limit, whether found by decoding or by the body's size. */
export function tooLarge(what: string, maxContentBytes: number): ErrorEntry {
  return {
    message: `base64EncodedContents ${what}; documents may be at most ${maxContentBytes} bytes.`,
    field: 'base64EncodedContents',
  };
}

/** Messages made here rather than taken from `x-error-message`: they say all there is to say. */
function genericMessage(error: ErrorObject): string | undefined {
  const limit = error.params.limit as number | undefined;
  switch (error.keyword) {
    case 'required':
      return 'is required';
    case 'additionalProperties':
      return 'is not allowed';
    case 'type':
      return `must be ${error.params.type === 'array' || error.params.type === 'object' ? 'an' : 'a'} ${String(error.params.type)}`;
    case 'minLength':
      return limit === 1 ? 'must not be empty' : `must be at least ${limit} characters long`;
    case 'maxLength':
      return `must be at most ${limit} characters long`;
    case 'maxItems':
      return `must have at most ${limit} entries`;
    case 'x-max-utf8-bytes':
      return `must be at most ${String(error.schema)} bytes long in UTF-8`;
    default:
      return undefined;
  }
}

function toEntries(errors: ErrorObject[], rootField?: string): ErrorEntry[] {
  const entries: ErrorEntry[] = [];
  for (const error of errors) {
    const pathSegments = [...pointerSegments(error.instancePath)];
    if (error.keyword === 'required') pathSegments.push(String(error.params.missingProperty));
    if (error.keyword === 'additionalProperties') pathSegments.push(String(error.params.additionalProperty));
    const field = rootField ?? fieldName(pathSegments);
    const ownMessage: unknown = error.parentSchema?.['x-error-message'];
    const message = genericMessage(error) ?? (typeof ownMessage === 'string' ? ownMessage : (error.message ?? `fails ${error.keyword}`));
    const entry = { message: `${field} ${message}.`, field };
    if (!entries.some((seen) => seen.message === entry.message)) entries.push(entry);
  }
  return entries;
}

function* pointerSegments(pointer: string): Generator<string> {
  if (pointer === '') return;
  for (const token of pointer.slice(1).split('/')) yield token.replaceAll('~1', '/').replaceAll('~0', '~');
}

/** ['metaData', '0', 'key'] → 'metaData[0].key' */
function fieldName(segments: string[]): string {
  return segments.reduce((name, segment) => (/^\d+$/.test(segment) ? `${name}[${segment}]` : name ? `${name}.${segment}` : segment), '');
}

/**
 * Why the body's JSON is refused before parsing, if it is. JSON.parse would build a hostile body nested millions
 * deep, or an array of millions of values, with time and memory to match, before anything could look at it.
 * The scan jumps over string contents, so a 67 MB base64 string costs one indexOf.
 */
function jsonShapeProblem(text: string): string | undefined {
  let depth = 0;
  let separators = 0;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code === 0x22) index = closingQuote(text, index);
    else if (code === 0x5b || code === 0x7b) {
      if (++depth > MAX_JSON_NESTING) return `The request body nests more than ${MAX_JSON_NESTING} levels deep.`;
    } else if (code === 0x5d || code === 0x7d) depth--;
    else if (code === 0x2c && ++separators >= MAX_JSON_VALUES) return `The request body holds more than ${MAX_JSON_VALUES} values.`;
  }
  return undefined;
}

/** Index of the quote that ends the string opened at `open` (text.length when unterminated). */
function closingQuote(text: string, open: number): number {
  let index = open;
  for (;;) {
    index = text.indexOf('"', index + 1);
    if (index < 0) return text.length;
    let backslashes = 0;
    while (text.charCodeAt(index - 1 - backslashes) === 0x5c) backslashes++;
    if (backslashes % 2 === 0) return index;
  }
}
