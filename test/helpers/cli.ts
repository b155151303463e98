import { spawn } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';
import { resolve } from 'node:path';

export const CLI = resolve(import.meta.dirname, '../../bin/polecat.js');

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs the built CLI as a user would: `node bin/polecat.js ...`, no TTY, in the given directory. `detached` gives it a
 * process group of its own, as a shell gives a command: `process.kill(-pid, 'SIGINT')` is then a terminal's Ctrl-C,
 * delivered to the CLI and every child it has at that moment.
 */
export function runCli(
  args: readonly string[],
  {
    cwd = process.cwd(),
    env = {},
    onSpawn,
    detached = false,
  }: { cwd?: string; env?: NodeJS.ProcessEnv; onSpawn?: (pid: number, output: () => string) => void; detached?: boolean } = {},
): Promise<CliResult> {
  return new Promise((resolveResult, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolveResult({ code, signal, stdout, stderr }));
    if (onSpawn && child.pid !== undefined) onSpawn(child.pid, () => stdout + stderr);
  });
}

/** The tmux calls made so far in this test file (the guard on PATH logs every call). */
export function tmuxCallCount(): number {
  const log = process.env.POLECAT_TEST_TMUX_LOG!;
  return existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean).length : 0;
}
