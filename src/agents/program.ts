import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';

/** The agent program as an absolute path: itself when it has a slash, else the first executable match on PATH. */
export function resolveProgram(program: string, path: string | undefined, cwd: string): string | undefined {
  const candidates = program.includes('/')
    ? [isAbsolute(program) ? program : resolve(cwd, program)]
    : (path ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, program));
  return candidates.find(isExecutableFile);
}

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

export function programNotFoundMessage(program: string): string {
  return program.includes('/')
    ? `agent program not found or not executable: ${program}`
    : `agent program ${JSON.stringify(program)} not found on PATH (install it, or choose another agent with --agent)`;
}
