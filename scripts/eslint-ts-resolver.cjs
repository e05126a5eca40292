// Import resolver for eslint-plugin-boundaries: our ESM sources import siblings as `./x.js` while the file on disk is
// `./x.ts` (TypeScript's NodeNext convention). Try the .ts twin first, then resolve as Node would.
const { existsSync } = require('node:fs');
const { dirname, resolve } = require('node:path');
const nodeResolver = require('eslint-import-resolver-node');

module.exports = {
  interfaceVersion: 2,
  resolve(source, file, config) {
    if (source.startsWith('.') && source.endsWith('.js')) {
      const twin = resolve(dirname(file), `${source.slice(0, -'.js'.length)}.ts`);
      if (existsSync(twin)) return { found: true, path: twin };
    }
    return nodeResolver.resolve(source, file, config);
  },
};
