// Bundles the CLI into dist/cli/: polecat.mjs and one chunk per command (and per module loaded later, such as execa),
// so a command resolves and compiles a few files instead of the ~300 modules of dist/src and node_modules it uses.
// The chunks keep the CLI's lazy loading: a command loads its own code and what it shares with others, no more.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist', 'cli');

rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: { polecat: join(root, 'dist', 'src', 'cli', 'main.js') },
  outdir,
  bundle: true,
  splitting: true,
  chunkNames: 'chunk-[hash]',
  // .mjs: node knows an ES module by its name, without looking for the package.json above each chunk (~2 ms a command).
  outExtension: { '.js': '.mjs' },
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // CommonJS dependencies (commander, cross-spawn, ws) require Node's modules: an ES module has no `require` of its own.
  banner: { js: "import { createRequire as polecatCreateRequire } from 'node:module'; const require = polecatCreateRequire(import.meta.url);" },
  // ws loads these native speed-ups only when installed, inside a try.
  external: ['bufferutil', 'utf-8-validate'],
  logLevel: 'warning',
  legalComments: 'inline',
});
