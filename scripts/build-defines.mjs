// Build-time constants both bundles (scripts/build.mjs, scripts/build-binary.mjs) define for esbuild.
import { tsImport } from 'tsx/esm/api';

/**
 * Shipped YAML parsed and checked here, once, by the loaders' own code, so that a bundle parses no YAML and compiles
 * no meta-schema at start-up; a shipped file that fails its checks fails the build.
 * - JAKAMO_DEFAULT_FIXTURE_JSON: fixtures/default.yaml (src/fixtures/load.ts defaultFixtureJson);
 * - JAKAMO_SUPPLIER_DOCUMENT_VALIDATION_JSON: spec/jakamo-file-callback.yaml's schemas, which the adapter compiles to
 *   validate v2 uploads (src/adapter/supplier-documents/validation.ts supplierDocumentValidationJson).
 */
export async function bundleDefines() {
  const [{ defaultFixtureJson }, { supplierDocumentValidationJson }] = await Promise.all([
    tsImport('../src/fixtures/load.ts', import.meta.url),
    tsImport('../src/adapter/supplier-documents/validation.ts', import.meta.url),
  ]);
  return {
    JAKAMO_DEFAULT_FIXTURE_JSON: JSON.stringify(defaultFixtureJson()),
    JAKAMO_SUPPLIER_DOCUMENT_VALIDATION_JSON: JSON.stringify(supplierDocumentValidationJson()),
  };
}
