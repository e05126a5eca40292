/**
 * Hand-rolled structural checks of an OpenAPI 3.1 document (no OpenAPI validator is among our dependencies).
 * Each check returns human-readable problems; an empty list means the document passes.
 * Schemas are checked against the JSON Schema 2020-12 meta-schema and compiled by ajv, and every example is
 * validated against the schema it illustrates, so a wrong error string or date format in an example is caught.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import { HTTP_METHODS, collectRefs, escapePointerToken, resolvePointer, type LoadedSpec, type SpecNode } from '../support/openapi.js';

const metaSchemaChecker = new Ajv2020({ strict: false });

const PATH_ITEM_KEYS = new Set<string>([...HTTP_METHODS, '$ref', 'summary', 'description', 'servers', 'parameters']);
const RESPONSE_KEY = /^([1-5]\d\d|[1-5]XX|default)$/;
const PARAMETER_LOCATIONS = new Set(['query', 'header', 'path', 'cookie']);

/** Sub-schema keywords whose value is one schema, a list of schemas, or a map of schemas. */
const SINGLE_SUBSCHEMA = ['items', 'additionalProperties', 'contains', 'not', 'if', 'then', 'else', 'propertyNames', 'unevaluatedItems', 'unevaluatedProperties'];
const LIST_SUBSCHEMAS = ['allOf', 'anyOf', 'oneOf', 'prefixItems'];
const MAP_SUBSCHEMAS = ['properties', 'patternProperties', '$defs', 'dependentSchemas'];

export interface OperationRef {
  template: string;
  method: string;
  node: SpecNode;
}

export function operationsOf(spec: LoadedSpec): OperationRef[] {
  return Object.keys(spec.document.paths ?? {}).flatMap((template) => {
    const pathItem = spec.locate(`/paths/${escapePointerToken(template)}`);
    return HTTP_METHODS.filter((method) => pathItem.has(method)).map((method) => ({ template, method, node: pathItem.child(method)! }));
  });
}

/** Every problem found by the checks below. */
export function structuralProblems(spec: LoadedSpec): string[] {
  return [
    ...checkTopLevel(spec),
    ...checkRefs(spec),
    ...checkPaths(spec),
    ...checkOperations(spec),
    ...checkSecurity(spec),
    ...checkSchemasAndExamples(spec),
  ];
}

export function checkTopLevel(spec: LoadedSpec): string[] {
  const { document } = spec;
  const problems: string[] = [];
  if (typeof document.openapi !== 'string' || !/^3\.1\.\d+$/.test(document.openapi)) problems.push(`openapi must be 3.1.x, is ${String(document.openapi)}`);
  const info = document.info as Record<string, unknown> | undefined;
  if (typeof info?.title !== 'string' || typeof info.version !== 'string') problems.push('info.title and info.version must be strings');
  if (typeof document.paths !== 'object' || document.paths === null) problems.push('paths must be an object');
  return problems;
}

export function checkRefs(spec: LoadedSpec): string[] {
  return collectRefs(spec.document).flatMap(({ at, ref }) => {
    if (!ref.startsWith('#')) return [`${at}: only local $refs are used here, got ${ref}`];
    try {
      resolvePointer(spec.document, decodeURIComponent(ref.slice(1)));
      return [];
    } catch (error) {
      return [`${at}: $ref ${ref} does not resolve (${(error as Error).message})`];
    }
  });
}

export function checkPaths(spec: LoadedSpec): string[] {
  const problems: string[] = [];
  const shapes = new Map<string, string>();
  for (const template of Object.keys(spec.document.paths ?? {})) {
    if (!template.startsWith('/')) problems.push(`path ${template} must start with /`);
    // OpenAPI: templated paths that differ only in parameter names are the same path and must not both exist.
    const shape = template.replace(/\{[^}]+\}/g, '{}');
    const twin = shapes.get(shape);
    if (twin) problems.push(`paths ${twin} and ${template} are the same templated path`);
    shapes.set(shape, template);
    const pathItem = spec.locate(`/paths/${escapePointerToken(template)}`);
    for (const key of Object.keys(pathItem.value)) {
      if (!PATH_ITEM_KEYS.has(key) && !key.startsWith('x-')) problems.push(`${template}: unknown path item field ${key}`);
    }
  }
  return problems;
}

export function checkOperations(spec: LoadedSpec): string[] {
  const problems: string[] = [];
  const operationIds = new Set<string>();
  for (const { template, method, node } of operationsOf(spec)) {
    const name = `${method.toUpperCase()} ${template}`;
    problems.push(...reportingThrows(name, () => checkOperation(spec, template, method, node, operationIds)));
  }
  return problems;
}

function checkOperation(spec: LoadedSpec, template: string, method: string, node: SpecNode, operationIds: Set<string>): string[] {
  const problems: string[] = [];
  const name = `${method.toUpperCase()} ${template}`;
  const operationId = node.value.operationId;
  if (typeof operationId === 'string') {
    if (operationIds.has(operationId)) problems.push(`${name}: duplicate operationId ${operationId}`);
    operationIds.add(operationId);
  }
  const responses = node.child('responses');
  const statusKeys = Object.keys(responses?.value ?? {}).filter((key) => !key.startsWith('x-'));
  if (!responses || statusKeys.length === 0) problems.push(`${name}: no responses`);
  for (const key of statusKeys) {
    if (!RESPONSE_KEY.test(key)) problems.push(`${name}: response key ${key} is not a status code, range or default`);
    const response = responses!.child(key);
    if (typeof response?.value.description !== 'string') problems.push(`${name} → ${key}: a response needs a description`);
  }
  problems.push(...checkParameters(spec, template, method, name));
  return problems;
}

/** Runs one check; a failure to even look (e.g. through a broken $ref) becomes a reported problem. */
function reportingThrows(where: string, check: () => string[]): string[] {
  try {
    return check();
  } catch (error) {
    return [`${where}: ${(error as Error).message}`];
  }
}

function checkParameters(spec: LoadedSpec, template: string, method: string, name: string): string[] {
  const problems: string[] = [];
  const pathItem = spec.locate(`/paths/${escapePointerToken(template)}`);
  // Path-level parameters apply to every operation of the path; each list is a JSON array.
  const listed = [pathItem, pathItem.child(method)!].flatMap((owner) => {
    const list = owner.value.parameters;
    return Array.isArray(list) ? list.map((_, index) => spec.locate(`${owner.pointer}/parameters/${index}`)) : [];
  });
  for (const parameter of listed) {
    const { name: parameterName, in: location } = parameter.value;
    if (typeof parameterName !== 'string' || !PARAMETER_LOCATIONS.has(String(location))) {
      problems.push(`${name}: parameter ${parameter.pointer} needs a name and in (query, header, path or cookie)`);
    }
    if (!parameter.has('schema') && !parameter.has('content')) problems.push(`${name}: parameter ${String(parameterName)} needs a schema`);
    if (location === 'path' && parameter.value.required !== true) problems.push(`${name}: path parameter ${String(parameterName)} must be required`);
    if (location === 'path' && !template.includes(`{${String(parameterName)}}`)) {
      problems.push(`${name}: path parameter ${String(parameterName)} is not in the template`);
    }
  }
  for (const [, templated] of template.matchAll(/\{([^}]+)\}/g)) {
    if (!listed.some((parameter) => parameter.value.in === 'path' && parameter.value.name === templated)) {
      problems.push(`${name}: {${templated}} has no path parameter`);
    }
  }
  return problems;
}

/** Every security requirement names a defined scheme. */
export function checkSecurity(spec: LoadedSpec): string[] {
  const schemes = (spec.document.components?.securitySchemes ?? {}) as Record<string, unknown>;
  const requirementLists: Array<[string, unknown]> = [
    ['(document)', spec.document.security],
    ...operationsOf(spec).map(({ template, method, node }): [string, unknown] => [`${method.toUpperCase()} ${template}`, node.value.security]),
  ];
  return requirementLists.flatMap(([where, requirements]) =>
    Array.isArray(requirements)
      ? requirements.flatMap((requirement: Record<string, unknown>) =>
          Object.keys(requirement)
            .filter((scheme) => !(scheme in schemes))
            .map((scheme) => `${where}: security scheme ${scheme} is not defined`),
        )
      : [],
  );
}

/** The effective security requirement list of an operation (its own, else the document's). */
export function effectiveSecurity(spec: LoadedSpec, operation: SpecNode): Array<Record<string, unknown>> {
  const own = operation.value.security;
  return (Array.isArray(own) ? own : (spec.document.security ?? [])) as Array<Record<string, unknown>>;
}

/**
 * Each schema (components, parameters, headers, media types) must be a valid 2020-12 schema that ajv compiles
 * with its $refs resolved, and every example must validate against the schema it belongs to.
 */
export function checkSchemasAndExamples(spec: LoadedSpec): string[] {
  const problems: string[] = [];
  for (const pointer of schemaPointers(spec)) {
    const schema = resolvePointer(spec.document, pointer);
    if (!metaSchemaChecker.validateSchema(schema as object)) {
      problems.push(`${pointer}: not a valid JSON Schema 2020-12 schema: ${metaSchemaChecker.errorsText(metaSchemaChecker.errors)}`);
      continue;
    }
    try {
      spec.validatorAt(pointer);
    } catch (error) {
      problems.push(`${pointer}: does not compile: ${(error as Error).message}`);
      continue;
    }
    problems.push(...checkSchemaExamples(spec, pointer));
  }
  for (const mediaPointer of mediaTypePointers(spec)) {
    problems.push(...reportingThrows(mediaPointer, () => checkMediaExamples(spec, mediaPointer)));
  }
  return problems;
}

function checkMediaExamples(spec: LoadedSpec, mediaPointer: string): string[] {
  const problems: string[] = [];
  const media = spec.locate(mediaPointer);
  const schema = media.child('schema');
  const examples: Array<[string, unknown]> = [];
  if (media.has('example')) examples.push(['example', media.value.example]);
  for (const [key, example] of Object.entries((media.value.examples ?? {}) as Record<string, { value?: unknown }>)) {
    examples.push([`examples/${key}`, example.value]);
  }
  if (schema) problems.push(...examples.flatMap(([where, value]) => exampleProblems(spec, schema.pointer, `${mediaPointer}/${where}`, value)));
  return problems;
}

/** `example` (OpenAPI) and `examples` (JSON Schema) at every level of a schema, checked against that level. */
function checkSchemaExamples(spec: LoadedSpec, pointer: string): string[] {
  const schema = resolvePointer(spec.document, pointer) as Record<string, unknown>;
  if (typeof schema !== 'object' || schema === null) return [];
  const problems: string[] = [];
  if ('example' in schema) problems.push(...exampleProblems(spec, pointer, `${pointer}/example`, schema.example));
  if (Array.isArray(schema.examples)) {
    schema.examples.forEach((example, index) => problems.push(...exampleProblems(spec, pointer, `${pointer}/examples/${index}`, example)));
  }
  for (const sub of subschemaPointers(schema, pointer)) problems.push(...checkSchemaExamples(spec, sub));
  return problems;
}

function exampleProblems(spec: LoadedSpec, schemaPointer: string, examplePointer: string, example: unknown): string[] {
  const validate = spec.validatorAt(schemaPointer);
  return validate(example) ? [] : [`${examplePointer} does not match its schema: ${metaSchemaChecker.errorsText(validate.errors)}`];
}

function subschemaPointers(schema: Record<string, unknown>, pointer: string): string[] {
  const isSchema = (value: unknown) => typeof value === 'object' && value !== null && !Array.isArray(value);
  const pointers: string[] = [];
  for (const key of SINGLE_SUBSCHEMA) if (isSchema(schema[key])) pointers.push(`${pointer}/${key}`);
  for (const key of LIST_SUBSCHEMAS) {
    const list = schema[key];
    if (Array.isArray(list)) list.forEach((item, index) => isSchema(item) && pointers.push(`${pointer}/${key}/${index}`));
  }
  for (const key of MAP_SUBSCHEMAS) {
    const map = schema[key];
    if (isSchema(map)) {
      for (const [name, item] of Object.entries(map as object)) if (isSchema(item)) pointers.push(`${pointer}/${key}/${escapePointerToken(name)}`);
    }
  }
  return pointers;
}

/** Pointers of every top-level schema: components.schemas, and the `schema` of parameters, headers and media types. */
function schemaPointers(spec: LoadedSpec): string[] {
  const pointers = Object.keys(spec.document.components?.schemas ?? {}).map((name) => `/components/schemas/${escapePointerToken(name)}`);
  walk(spec.document, '', (value, pointer) => {
    const isParameterOrHeader = /\/(parameters\/[^/]+|headers\/[^/]+)$/.test(pointer) && 'schema' in value;
    const isMediaType = /\/content\/[^/]+$/.test(pointer) && 'schema' in value;
    if (isParameterOrHeader || isMediaType) {
      const schema = value.schema as Record<string, unknown>;
      // A schema that is only a $ref is checked where it is defined.
      if (!(typeof schema === 'object' && schema !== null && Object.keys(schema).length === 1 && '$ref' in schema)) pointers.push(`${pointer}/schema`);
    }
  });
  return pointers;
}

function mediaTypePointers(spec: LoadedSpec): string[] {
  const pointers: string[] = [];
  walk(spec.document, '', (value, pointer) => {
    if (/\/content\/[^/]+$/.test(pointer)) pointers.push(pointer);
  });
  return pointers;
}

/** Visits every object of the document except the insides of schemas and examples. */
function walk(value: unknown, pointer: string, visit: (value: Record<string, unknown>, pointer: string) => void): void {
  if (typeof value !== 'object' || value === null) return;
  if (!Array.isArray(value)) visit(value as Record<string, unknown>, pointer);
  for (const [key, child] of Object.entries(value)) {
    if (key === 'schema' || key === 'schemas' || key === 'example' || key === 'examples') continue;
    walk(child, `${pointer}/${escapePointerToken(key)}`, visit);
  }
}
