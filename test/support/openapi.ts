/**
 * Validates real HTTP responses against our OpenAPI 3.1 documents (spec/openbom.yaml, spec/jakamo-file-callback.yaml).
 *
 *   const spec = loadSpec('spec/openbom.yaml');
 *   expectValid(spec, 'GET', '/bom/abc', 200, await res.json(), res.headers);
 *   await expectValidResponse(spec, 'GET', '/bom/abc', res);   // reads status, headers and body itself
 *
 * The operation is found by matching the concrete path against the spec's path templates (a literal segment
 * beats a templated one, so `/bom/create` is `/bom/create`, not `/bom/{bomId}`), the response by exact status,
 * then `2XX`-style range, then `default`. JSON bodies are checked with ajv (draft 2020-12); `$ref`s resolve because
 * the whole document is registered as one schema and each response schema is compiled as a reference into it.
 * A request that matches no operation is checked against the document's `x-unmatched-responses`, when it has them.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import ajvFormats from 'ajv-formats';
import { parse as parseYaml } from 'yaml';

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

export interface LoadedSpec {
  /** Absolute path of the YAML file. */
  file: string;
  /** The parsed document (plain JSON data). */
  document: OpenApiDocument;
  /** The object at a JSON pointer into the document, `$ref`s followed (throws when it does not resolve). */
  locate(pointer: string): SpecNode;
  /** Compiles (once) the schema found at a JSON pointer into the document, e.g. `/components/schemas/Error`. */
  validatorAt(pointer: string): ValidateFunction;
  /** The path template and operation matching a concrete method + path, or why none does. */
  findOperation(method: string, path: string): OperationMatch | { error: string };
}

export interface OperationMatch {
  template: string;
  method: HttpMethod;
  operation: SpecNode;
  /** Path parameters taken from the concrete path (still percent-encoded). */
  params: Record<string, string>;
}

/** An object of the document together with its JSON pointer (the pointer of a `$ref`'s target, once followed). */
export interface SpecNode {
  value: JsonObject;
  pointer: string;
  has(key: string): boolean;
  /** The child object at `key`, `$ref`s followed; undefined when absent or not an object. */
  child(key: string): SpecNode | undefined;
}

export interface ValidationResult {
  ok: boolean;
  /** Human-readable problems: `<instancePath> <message>`, or a sentence for a missing path/status. */
  errors: string[];
  /** "GET /bom/{bomId} → 200", when an operation and response were found. */
  matched?: string;
}

export type HeaderSource = Headers | Record<string, string | string[] | number | undefined>;

type JsonObject = Record<string, unknown>;
interface OpenApiDocument extends JsonObject {
  openapi: string;
  paths?: Record<string, JsonObject>;
  components?: JsonObject;
}

// ajv-formats is CommonJS; depending on the loader its plugin is the module itself or its `default`.
const addFormats = ((ajvFormats as unknown as { default?: typeof ajvFormats }).default ?? ajvFormats) as unknown as (
  ajv: Ajv2020,
) => Ajv2020;

/**
 * Document-level extension: a Responses object for requests that match no operation (unknown path, or a known
 * path with a method it does not have), e.g. the mock's 404 `Not found.` and 405 `Method not allowed.`.
 */
export const UNMATCHED_RESPONSES = 'x-unmatched-responses';

const MAX_ERRORS_SHOWN = 10;
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const specCache = new Map<string, LoadedSpec>();

/** Parses an OpenAPI YAML file once (cached by absolute path). Relative paths are taken from the repository root. */
export function loadSpec(path: string): LoadedSpec {
  const file = isAbsolute(path) ? path : resolve(REPO_ROOT, path);
  let spec = specCache.get(file);
  if (!spec) {
    spec = buildSpec(file, parseYaml(readFileSync(file, 'utf8')) as OpenApiDocument);
    specCache.set(file, spec);
  }
  return spec;
}

/** A spec from an in-memory document (not cached); `name` stands in for its file name in messages. */
export function specFromDocument(document: object, name = 'inline-spec.yaml'): LoadedSpec {
  return buildSpec(resolve(REPO_ROOT, name), document as OpenApiDocument);
}

function buildSpec(file: string, document: OpenApiDocument): LoadedSpec {
  const documentId = pathToFileURL(file).href;
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema(document, documentId);
  const validators = new Map<string, ValidateFunction>();
  const templates = Object.keys(document.paths ?? {}).map(parseTemplate);

  /** Follows `$ref`s from the value at `pointer` to an object, returning it with its real pointer. */
  const nodeAt = (pointer: string, value: unknown): SpecNode | undefined => {
    for (let hops = 0; isObject(value) && typeof value.$ref === 'string'; hops++) {
      if (hops > 20) throw new Error(`${shortName(file)}: $ref cycle at ${pointer}`);
      pointer = refToPointer(value.$ref, file);
      value = resolvePointer(document, pointer);
    }
    if (!isObject(value)) return undefined;
    const node: SpecNode = {
      value,
      pointer,
      has: (key) => Object.hasOwn(node.value, key),
      child: (key) => (node.has(key) ? nodeAt(`${pointer}/${escapePointerToken(key)}`, node.value[key]) : undefined),
    };
    return node;
  };
  const locate = (pointer: string): SpecNode => {
    const node = nodeAt(pointer, resolvePointer(document, pointer));
    if (!node) throw new Error(`${shortName(file)}: ${pointer} is not an object`);
    return node;
  };

  return {
    file,
    document,
    locate,
    validatorAt(pointer) {
      let validate = validators.get(pointer);
      if (!validate) {
        validate = ajv.compile({ $ref: `${documentId}#${encodePointerAsFragment(pointer)}` });
        validators.set(pointer, validate);
      }
      return validate;
    },
    findOperation(method, path) {
      const lowerMethod = method.toLowerCase();
      const segments = pathOf(path).split('/').slice(1);
      const best = bestTemplateMatch(templates, segments);
      if (!best) return { error: `no path template in ${shortName(file)} matches ${pathOf(path)}` };
      const pathItem = locate(`/paths/${escapePointerToken(best.template.raw)}`);
      const operation = HTTP_METHODS.includes(lowerMethod as HttpMethod) ? pathItem.child(lowerMethod) : undefined;
      if (!operation) {
        const allowed = HTTP_METHODS.filter((m) => pathItem.has(m)).map((m) => m.toUpperCase());
        return {
          error: `${method.toUpperCase()} is not an operation of ${best.template.raw} in ${shortName(file)} (it has: ${allowed.join(', ') || 'none'})`,
        };
      }
      return { template: best.template.raw, method: lowerMethod as HttpMethod, operation, params: best.params };
    },
  };
}

/**
 * Checks one response: the operation and status must exist in the spec; a JSON body must match the response's
 * schema; when headers are given, the Content-Type must be one the response declares and declared headers must
 * be present (if required) and match their schemas. Responses that declare no content have no body to check.
 */
export function validateResponse(
  spec: LoadedSpec,
  method: string,
  path: string,
  status: number,
  body: unknown,
  headers?: HeaderSource,
): ValidationResult {
  const found = spec.findOperation(method, path);
  const statusKeys = [String(status), `${String(status)[0]}XX`, 'default'];
  let operationName: string;
  let responses: SpecNode | undefined;
  if ('error' in found) {
    // A request matching no operation may still get a documented answer (404 unknown path, 405 wrong method …).
    const unmatched = spec.document[UNMATCHED_RESPONSES] === undefined ? undefined : spec.locate(`/${UNMATCHED_RESPONSES}`);
    if (!statusKeys.some((key) => unmatched?.has(key))) return { ok: false, errors: [found.error] };
    operationName = `${method.toUpperCase()} ${pathOf(path)} (no operation; ${UNMATCHED_RESPONSES})`;
    responses = unmatched;
  } else {
    operationName = `${found.method.toUpperCase()} ${found.template}`;
    responses = found.operation.child('responses');
  }
  const statusKey = statusKeys.find((key) => responses?.has(key));
  if (!responses || !statusKey) {
    const declared = responses ? Object.keys(responses.value).join(', ') : 'none';
    return { ok: false, errors: [`${operationName} has no response ${status} in ${shortName(spec.file)} (it has: ${declared})`] };
  }
  const response = responses.child(statusKey)!;
  const errors: string[] = [];
  const headerValues = headers ? normalizeHeaders(headers) : undefined;

  const content = response.child('content');
  if (content) {
    const mediaType = pickMediaType(Object.keys(content.value), headerValues?.get('content-type'));
    if ('error' in mediaType) errors.push(mediaType.error);
    else if (isJsonMediaType(mediaType.key)) {
      const schema = content.child(mediaType.key)?.child('schema');
      const validate = schema && spec.validatorAt(schema.pointer);
      if (validate && !validate(body)) errors.push(...formatAjvErrors(validate.errors ?? [], 'body'));
    }
  }

  const declaredHeaders = response.child('headers');
  if (headerValues && declaredHeaders) {
    for (const name of Object.keys(declaredHeaders.value)) {
      if (name.toLowerCase() === 'content-type') continue; // OpenAPI: a Content-Type header definition is ignored.
      const header = declaredHeaders.child(name)!;
      const value = headerValues.get(name.toLowerCase());
      const schema = header.child('schema');
      if (value === undefined) {
        if (header.value.required === true) errors.push(`header ${name} is required but missing`);
      } else if (schema) {
        const validate = spec.validatorAt(schema.pointer);
        if (!validate(coerceHeaderValue(value, schema.value))) errors.push(...formatAjvErrors(validate.errors ?? [], `header ${name}`));
      }
    }
  }

  return { ok: errors.length === 0, errors, matched: `${operationName} → ${statusKey}` };
}

/** validateResponse that throws a readable Error (the first ten problems and a body preview) for use inside tests. */
export function expectValid(spec: LoadedSpec, method: string, path: string, status: number, body: unknown, headers?: HeaderSource): void {
  const result = validateResponse(spec, method, path, status, body, headers);
  if (!result.ok) {
    const preview = JSON.stringify(body)?.slice(0, 500) ?? String(body);
    // A systematic mistake repeats for every array item; the first few say it all.
    const shown = result.errors.slice(0, MAX_ERRORS_SHOWN);
    if (result.errors.length > shown.length) shown.push(`… and ${result.errors.length - shown.length} more`);
    throw new Error(
      `${method.toUpperCase()} ${pathOf(path)} → ${status} does not match ${shortName(spec.file)}` +
        `${result.matched ? ` (${result.matched})` : ''}:\n  - ${shown.join('\n  - ')}\n  body: ${preview}`,
    );
  }
}

/**
 * Reads a fetch/Hono Response (from a clone, so the caller can still read it) and validates status, headers and
 * body. JSON media types are parsed; an unparsable JSON body is reported. Returns the parsed body.
 */
export async function expectValidResponse(spec: LoadedSpec, method: string, path: string, response: Response): Promise<unknown> {
  const text = await response.clone().text();
  const contentType = response.headers.get('content-type') ?? '';
  let body: unknown = text;
  if (isJsonMediaType(contentType.split(';')[0]!.trim()) || (contentType === '' && text !== '')) {
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      throw new Error(`${method.toUpperCase()} ${pathOf(path)} → ${response.status}: body is not JSON: ${text.slice(0, 200)}`);
    }
  }
  expectValid(spec, method, path, response.status, body, response.headers);
  return body;
}

/** Follows a JSON pointer (`/a/b~1c`) into a value; throws when a step does not exist. */
export function resolvePointer(root: unknown, pointer: string): unknown {
  if (pointer === '') return root;
  let current = root;
  for (const token of pointer.slice(1).split('/').map(unescapePointerToken)) {
    if (Array.isArray(current) && /^\d+$/.test(token) && Number(token) < current.length) current = current[Number(token)];
    else if (isObject(current) && Object.hasOwn(current, token)) current = current[token];
    else throw new Error(`JSON pointer ${pointer} does not resolve (no "${token}")`);
  }
  return current;
}

export function escapePointerToken(token: string): string {
  return token.replaceAll('~', '~0').replaceAll('/', '~1');
}

// ---------------------------------------------------------------------------------------------------------------

interface ParsedTemplate {
  raw: string;
  /** A literal segment, or the parameter name of a `{name}` segment. */
  segments: Array<{ literal: string } | { param: string }>;
}

function parseTemplate(raw: string): ParsedTemplate {
  return {
    raw,
    segments: raw
      .split('/')
      .slice(1)
      .map((segment) => {
        const param = /^\{([^{}]+)\}$/.exec(segment);
        return param ? { param: param[1]! } : { literal: segment };
      }),
  };
}

/** Of the templates matching the segments, the one whose literal segments come earliest and most often. */
function bestTemplateMatch(templates: ParsedTemplate[], segments: string[]) {
  let best: { template: ParsedTemplate; params: Record<string, string>; rank: string } | undefined;
  for (const template of templates) {
    if (template.segments.length !== segments.length) continue;
    const params: Record<string, string> = {};
    let rank = '';
    const matches = template.segments.every((part, index) => {
      const segment = segments[index]!;
      if ('literal' in part) {
        rank += '1';
        return part.literal === segment;
      }
      rank += '0';
      params[part.param] = segment;
      return segment !== '';
    });
    if (matches && (!best || rank > best.rank)) best = { template, params, rank };
  }
  return best;
}

function pickMediaType(declared: string[], contentTypeHeader: string | undefined): { key: string } | { error: string } {
  if (contentTypeHeader === undefined) {
    const json = declared.find(isJsonMediaType);
    return { key: json ?? declared[0] ?? '' };
  }
  const actual = contentTypeHeader.split(';')[0]!.trim().toLowerCase();
  const key =
    declared.find((type) => type.toLowerCase() === actual) ??
    declared.find((type) => type.endsWith('/*') && actual.startsWith(type.slice(0, -1).toLowerCase())) ??
    declared.find((type) => type === '*/*') ??
    // `application/octet-stream` stands for "any bytes" (a download is really application/pdf, image/png …), not JSON.
    (isJsonMediaType(actual) ? undefined : declared.find((type) => type.toLowerCase() === 'application/octet-stream'));
  return key ? { key } : { error: `Content-Type ${contentTypeHeader} is not one of the declared ${declared.join(', ')}` };
}

function isJsonMediaType(type: string): boolean {
  return /^application\/([\w.-]+\+)?json$/i.test(type);
}

/** Header values are strings on the wire; turn numeric ones into numbers when the schema asks for a number. */
function coerceHeaderValue(value: string, schema: JsonObject): unknown {
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  const wantsNumber = types.includes('integer') || types.includes('number');
  if (wantsNumber && /^-?\d+(\.\d+)?$/.test(value.trim())) return Number(value);
  if (types.includes('boolean') && (value === 'true' || value === 'false')) return value === 'true';
  return value;
}

function normalizeHeaders(headers: HeaderSource): Map<string, string> {
  const map = new Map<string, string>();
  if (headers instanceof Headers) {
    headers.forEach((value, name) => map.set(name.toLowerCase(), value));
  } else {
    for (const [name, value] of Object.entries(headers)) {
      if (value !== undefined) map.set(name.toLowerCase(), Array.isArray(value) ? value.join(', ') : String(value));
    }
  }
  return map;
}

function formatAjvErrors(errors: ErrorObject[], where: string): string[] {
  return errors.map((error) => {
    const location = `${where}${error.instancePath}`;
    const params = error.params as Record<string, unknown>;
    const detail =
      error.keyword === 'additionalProperties'
        ? ` (${String(params.additionalProperty)})`
        : error.keyword === 'const'
          ? ` (${JSON.stringify(params.allowedValue)})`
          : error.keyword === 'enum'
            ? ` (${JSON.stringify(params.allowedValues)})`
            : '';
    return `${location} ${error.message ?? error.keyword}${detail}`;
  });
}

function refToPointer(ref: string, file: string): string {
  if (!ref.startsWith('#')) throw new Error(`${shortName(file)}: only local $refs are supported, got ${ref}`);
  return decodeURIComponent(ref.slice(1));
}

function encodePointerAsFragment(pointer: string): string {
  return pointer
    .split('/')
    .map((token) => encodeURIComponent(token))
    .join('/');
}

function unescapePointerToken(token: string): string {
  return token.replaceAll('~1', '/').replaceAll('~0', '~');
}

/** The path part of a path or URL, without query or fragment. */
function pathOf(pathOrUrl: string): string {
  const path = /^[a-z][a-z0-9+.-]*:\/\//i.test(pathOrUrl) ? new URL(pathOrUrl).pathname : pathOrUrl;
  return path.split(/[?#]/)[0]!;
}

function shortName(file: string): string {
  return file.startsWith(REPO_ROOT) ? file.slice(REPO_ROOT.length) : file;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
