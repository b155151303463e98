/**
 * execa is loaded at the first call of a client that runs a program through it (bd, git, a notify command), so
 * commands that run none (--help, list, stop) start without it; one promise for the whole process. tmux's runner
 * does not use it (src/tmux/run.ts). In the bundled CLI (scripts/bundle.js) it is a
 * chunk of its own, loaded in one file where execa's ~150 modules cost ~70 ms to resolve and compile.
 */
let execaModule: Promise<typeof import('execa')> | undefined;

export function loadExeca(): Promise<typeof import('execa')> {
  execaModule ??= import('execa');
  return execaModule;
}
