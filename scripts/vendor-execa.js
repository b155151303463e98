// Bundles execa and what it imports into one module, dist/vendor/execa.js, which polecat loads instead of execa's
// ~150 modules: resolving and compiling them cost every command that runs a program ~70 ms, the bundle ~20 ms.
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

await build({
  entryPoints: [join(root, 'node_modules', 'execa', 'index.js')],
  outfile: join(root, 'dist', 'vendor', 'execa.js'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // execa's CommonJS dependencies (cross-spawn) require Node's modules: an ES module has no `require` of its own.
  banner: { js: "import { createRequire as polecatCreateRequire } from 'node:module'; const require = polecatCreateRequire(import.meta.url);" },
  logLevel: 'warning',
  legalComments: 'inline',
});
