import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';

/** Where an agent's own installer puts it when it is not on PATH (Claude's "local" install). */
const HOME_FALLBACKS: Readonly<Record<string, string>> = { claude: join('.claude', 'local', 'claude') };

/**
 * The agent program as an absolute path: itself when it has a slash, else the first executable match on PATH, else
 * the agent's own install location under HOME.
 */
export function resolveProgram(program: string, path: string | undefined, cwd: string, home = process.env.HOME): string | undefined {
  if (program.includes('/')) return [isAbsolute(program) ? program : resolve(cwd, program)].find(isExecutableFile);
  const candidates = (path ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, program));
  const fallback = Object.hasOwn(HOME_FALLBACKS, program) && home ? join(home, HOME_FALLBACKS[program]!) : undefined;
  return [...candidates, ...(fallback ? [fallback] : [])].find(isExecutableFile);
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
