/** What a spec says about its API's inputs, for the generators: path templates, query names, request body fields. */
import fc from 'fast-check';
import { HTTP_METHODS, resolvePointer, type LoadedSpec } from '../../support/openapi.js';

export interface SpecInputs {
  /** [METHOD, template] of every operation. */
  operations: Array<[string, string]>;
  queryNames: string[];
  /** Property names of request bodies (and of the objects inside them). */
  bodyFields: string[];
}

export function specInputs(spec: LoadedSpec): SpecInputs {
  const document = spec.document;
  const follow = (value: unknown): unknown => {
    for (let hops = 0; isObject(value) && typeof value.$ref === 'string' && hops < 20; hops++)
      value = resolvePointer(document, value.$ref.slice(1));
    return value;
  };
  const queryNames = new Set<string>();
  const bodyFields = new Set<string>();
  const collectFields = (schema: unknown, depth: number) => {
    const resolved = follow(schema);
    if (!isObject(resolved) || depth > 3) return;
    for (const [name, child] of Object.entries(isObject(resolved.properties) ? resolved.properties : {})) {
      bodyFields.add(name);
      collectFields(child, depth + 1);
    }
    collectFields(resolved.items, depth + 1);
    for (const key of ['oneOf', 'anyOf', 'allOf'] as const)
      for (const part of Array.isArray(resolved[key]) ? resolved[key] : []) collectFields(part, depth + 1);
  };
  const operations: Array<[string, string]> = [];
  for (const [template, pathItem] of Object.entries(document.paths ?? {})) {
    for (const [method, operation] of Object.entries(pathItem)) {
      if (!HTTP_METHODS.includes(method as never) || !isObject(operation)) continue;
      operations.push([method.toUpperCase(), template]);
      for (const parameter of Array.isArray(operation.parameters) ? operation.parameters : []) {
        const resolved = follow(parameter);
        if (isObject(resolved) && resolved.in === 'query' && typeof resolved.name === 'string') queryNames.add(resolved.name);
      }
      const content = follow(operation.requestBody);
      if (isObject(content) && isObject(content.content))
        for (const media of Object.values(content.content)) if (isObject(media)) collectFields(media.schema, 0);
    }
  }
  return { operations, queryNames: [...queryNames], bodyFields: [...bodyFields] };
}

/** JSON objects made of the API's own field names, with values from `values` or any JSON. */
export function fieldObjects(fields: string[], values: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  const value = fc.oneof({ arbitrary: values, weight: 3 }, { arbitrary: fc.jsonValue({ maxDepth: 2 }), weight: 1 });
  const object = fc.dictionary(fc.constantFrom(...fields), value, { maxKeys: 6 });
  return fc.oneof({ arbitrary: object, weight: 4 }, { arbitrary: fc.array(object, { maxLength: 3 }), weight: 1 });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
