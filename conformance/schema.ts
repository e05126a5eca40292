/**
 * The schemas of spec/jakamo-file-callback.yaml (the listing's DocumentList / Document, the error object, the v2
 * supplier documents), loaded at start-up, so the suite checks exactly what the spec says — from the package on
 * disk or the single binary.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import YAML from 'yaml';
import { readAsset } from '../src/shared/assets.js';

const SPEC_PATH = 'spec/jakamo-file-callback.yaml';
const SPEC_ID = 'jakamo-file-callback.yaml';

export interface Document {
  fileName: string;
  description: string;
  type?: string;
  link: string;
}

export interface DocumentList {
  data: Document[];
}

let specSchemas: { ajv: Ajv; names: Set<string> } | undefined;
const validators = new Map<string, ValidateFunction>();

/** The validator of `components.schemas[name]` of the spec, compiled once. */
function specValidator(name: string): ValidateFunction {
  let validate = validators.get(name);
  if (validate) return validate;
  specSchemas ??= loadSpecSchemas();
  if (!specSchemas.names.has(name)) throw new Error(`${SPEC_PATH} has no components.schemas.${name}`);
  validate = specSchemas.ajv.compile({ $ref: `${SPEC_ID}#/components/schemas/${name}` });
  validators.set(name, validate);
  return validate;
}

function loadSpecSchemas(): { ajv: Ajv; names: Set<string> } {
  const spec = YAML.parse(readAsset(SPEC_PATH).toString('utf8')) as { components?: { schemas?: Record<string, unknown> } };
  const schemas = spec.components?.schemas;
  if (!schemas) throw new Error(`${SPEC_PATH} has no components.schemas`);
  const ajv = new Ajv({ allErrors: true });
  // ajv-formats is CommonJS: under ESM its default import is module.exports, which carries the plugin as `.default`.
  addFormatsModule.default(ajv);
  // The spec's `$ref: '#/components/schemas/…'` resolve inside this document, as they do in the spec itself.
  ajv.addKeyword('components');
  ajv.addSchema({ $id: SPEC_ID, components: { schemas } });
  return { ajv, names: new Set(Object.keys(schemas)) };
}

/** Problems with a value against a schema of the spec, one readable line each (e.g. "/data/0: must have required property 'description'"); empty when valid. */
export function schemaProblems(name: string, value: unknown): string[] {
  const validate = specValidator(name);
  if (validate(value)) return [];
  return (validate.errors ?? []).map((error) => `${error.instancePath || '(body)'}: ${error.message ?? error.keyword}`);
}

/** Problems with a listing body against DocumentList; empty when valid. */
export function documentListProblems(body: unknown): string[] {
  return schemaProblems('DocumentList', body);
}

export function isDocumentList(body: unknown): body is DocumentList {
  return documentListProblems(body).length === 0;
}
