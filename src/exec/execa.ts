/**
 * execa takes ~70 ms to load: it is loaded at the first call of any client that runs a program (tmux, bd), so
 * commands that never run one (--help, graph) start fast. One promise for the whole process: loaded once.
 */
let execaModule: Promise<typeof import('execa')> | undefined;

export function loadExeca(): Promise<typeof import('execa')> {
  execaModule ??= import('execa');
  return execaModule;
}
