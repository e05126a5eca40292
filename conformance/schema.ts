/**
 * The listing schema, taken from spec/jakamo-file-callback.yaml (components.schemas.DocumentList / Document)
 * at start-up, so the suite checks exactly what the spec says — from the package on disk or the single binary.
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

let validator: ValidateFunction<DocumentList> | undefined;

function documentListValidator(): ValidateFunction<DocumentList> {
  if (validator) return validator;
  const spec = YAML.parse(readAsset(SPEC_PATH).toString('utf8')) as { components?: { schemas?: Record<string, unknown> } };
  const schemas = spec.components?.schemas;
  if (!schemas?.DocumentList || !schemas.Document) throw new Error(`${SPEC_PATH} has no components.schemas.DocumentList/Document`);
  const ajv = new Ajv({ allErrors: true });
  // ajv-formats is CommonJS: under ESM its default import is module.exports, which carries the plugin as `.default`.
  addFormatsModule.default(ajv);
  // The spec's `$ref: '#/components/schemas/…'` resolve inside this document, as they do in the spec itself.
  ajv.addKeyword('components');
  ajv.addSchema({ $id: SPEC_ID, components: { schemas } });
  validator = ajv.compile<DocumentList>({ $ref: `${SPEC_ID}#/components/schemas/DocumentList` });
  return validator;
}

/** Problems with a listing body, one readable line each (e.g. "/data/0: must have required property 'description'"); empty when valid. */
export function documentListProblems(body: unknown): string[] {
  const validate = documentListValidator();
  if (validate(body)) return [];
  return (validate.errors ?? []).map((error) => `${error.instancePath || '(body)'}: ${error.message ?? error.keyword}`);
}

export function isDocumentList(body: unknown): body is DocumentList {
  return documentListProblems(body).length === 0;
}
