// Build-time constants both bundles (scripts/build.mjs, scripts/build-binary.mjs) define for esbuild.
import { tsImport } from 'tsx/esm/api';

/**
 * JAKAMO_DEFAULT_FIXTURE_JSON: fixtures/default.yaml parsed and checked here, once, by the loader's own code
 * (src/fixtures/load.ts defaultFixtureJson), so that a bundled loadDefaultFixture() parses no YAML and compiles no
 * JSON Schema at start-up. A default fixture that fails its checks fails the build.
 */
export async function bundleDefines() {
  const { defaultFixtureJson } = await tsImport('../src/fixtures/load.ts', import.meta.url);
  return { JAKAMO_DEFAULT_FIXTURE_JSON: JSON.stringify(defaultFixtureJson()) };
}
