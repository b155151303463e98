/**
 * execa is loaded at the first call of any client that runs a program (tmux, bd, git), so commands that never run one
 * (--help, graph) start without it; one promise for the whole process. In the bundled CLI (scripts/bundle.js) it is a
 * chunk of its own, loaded in one file where execa's ~150 modules cost ~70 ms to resolve and compile.
 */
let execaModule: Promise<typeof import('execa')> | undefined;

export function loadExeca(): Promise<typeof import('execa')> {
  execaModule ??= import('execa');
  return execaModule;
}
