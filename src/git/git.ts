/**
 * The one module that runs git. Every call is an argument array (no shell), never prompts for credentials
 * (GIT_TERMINAL_PROMPT=0) and, with `ceiling`, never finds a repository above the given directory
 * (GIT_CEILING_DIRECTORIES): a clone made inside some other repository must not be taken for part of it.
 */
import { loadExeca } from '../exec/execa.js';

export interface GitOptions {
  readonly cwd?: string;
  /** No repository above this directory is looked for. */
  readonly ceiling?: string;
  /** More of git's environment (GIT_LFS_SKIP_SMUDGE). */
  readonly env?: Readonly<Record<string, string>>;
}

export interface GitResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

export async function runGit(args: readonly string[], options: GitOptions = {}): Promise<GitResult> {
  const { execa } = await loadExeca();
  const result = await execa('git', [...args], {
    reject: false,
    stdin: 'ignore',
    ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
    env: { GIT_TERMINAL_PROMPT: '0', ...(options.ceiling !== undefined ? { GIT_CEILING_DIRECTORIES: options.ceiling } : {}), ...options.env },
  });
  return { exitCode: result.exitCode ?? 1, stdout: String(result.stdout), stderr: String(result.stderr) };
}

/** Git could not do what was asked: what, and git's one-line reason. */
export class GitFailedError extends Error {
  override readonly name = 'GitFailedError';
}

/** git's output, trimmed, or a GitFailedError naming what could not be done and git's reason. */
export async function gitOk(args: readonly string[], what: string, options: GitOptions = {}): Promise<string> {
  const result = await runGit(args, options);
  if (result.exitCode !== 0) throw new GitFailedError(`${what}: ${gitReason(result)}`);
  return result.stdout.trim();
}

/** Why git failed, in one line: its `fatal:` line (what follows it is advice), else its last line. */
export function gitReason(result: GitResult): string {
  const lines = result.stderr.trim().split('\n');
  return lines.find((line) => line.startsWith('fatal: '))?.slice('fatal: '.length) ?? lines.at(-1) ?? `git exited ${result.exitCode}`;
}

/** The user's git `user.email`, or '' when none is set (or git is missing). */
export async function userEmail(cwd: string): Promise<string> {
  try {
    const result = await runGit(['config', '--get', 'user.email'], { cwd });
    return result.exitCode === 0 ? result.stdout.trim() : '';
  } catch {
    return '';
  }
}
