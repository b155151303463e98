/**
 * execa is loaded at the first call of any client that runs a program (tmux, bd), so commands that never run one
 * (--help, graph) start fast; one promise for the whole process. The build bundles it into one module
 * (scripts/vendor-execa.js), which loads in ~20 ms where execa's ~150 modules take ~70; run from the sources (the
 * tests), there is no bundle and execa itself is loaded.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const BUNDLED = new URL('../../vendor/execa.js', import.meta.url);

let execaModule: Promise<typeof import('execa')> | undefined;

export function loadExeca(): Promise<typeof import('execa')> {
  execaModule ??= existsSync(fileURLToPath(BUNDLED)) ? (import(BUNDLED.href) as Promise<typeof import('execa')>) : import('execa');
  return execaModule;
}
