import { spawn, spawnSync } from 'node:child_process';
import { classifyStderr, TmuxError, type TmuxCallResult } from './errors.js';

export interface TmuxRunnerOptions {
  /** The server's socket name (`-L`). polecat never talks to the default server. */
  readonly socket: string;
  /** The tmux binary; `tmux` from PATH unless set. */
  readonly bin?: string;
  /** Per-call timeout. */
  readonly timeoutMs?: number;
  /**
   * The whole environment of the tmux client processes, instead of this process's: a server a call starts takes the
   * client's environment as its global one, which every pane inherits.
   */
  readonly clientEnv?: Readonly<Record<string, string>>;
}

export interface TmuxCallOptions {
  readonly signal?: AbortSignal;
  /** Text written to tmux's stdin (for `load-buffer -`). */
  readonly input?: string;
}

export type TmuxRunner = (args: readonly string[], options?: TmuxCallOptions) => Promise<TmuxCallResult>;

/** Runs tmux on this process's terminal until it hands the terminal back; returns tmux's exit code. */
export type TerminalRunner = (args: readonly string[], options: { readonly env: NodeJS.ProcessEnv }) => number;

const DEFAULT_TIMEOUT_MS = 10_000;
/** As execa does: a client that ignores SIGTERM is killed this long after it. */
const FORCE_KILL_AFTER_MS = 5_000;

let spawnCount = 0;

/** How many tmux processes this process has spawned (for benchmarks and tests). */
export function tmuxSpawnCount(): number {
  return spawnCount;
}

interface TmuxCommand {
  readonly bin: string;
  /** `-u -L <socket>` and then the given arguments. */
  args(args: readonly string[]): string[];
}

/** `tmux -u -L <socket> ...` for both runners; a socket name that could be a path or an option is refused here. */
function tmuxCommand(options: TmuxRunnerOptions): TmuxCommand {
  if (!/^[A-Za-z0-9_.-]+$/.test(options.socket) || /^\.+$/.test(options.socket)) {
    throw new Error(`invalid tmux socket name: ${JSON.stringify(options.socket)}`);
  }
  return { bin: options.bin ?? 'tmux', args: (args) => ['-u', '-L', options.socket, ...args] };
}

/**
 * Spawns `tmux -u -L <socket> <args>`, no shell, stdout trimmed; a non-zero exit throws TmuxError. This and
 * createTerminalRunner are the only places that spawn tmux.
 */
export function createTmuxRunner(options: TmuxRunnerOptions): TmuxRunner {
  const tmux = tmuxCommand(options);
  const timeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return async (args, call = {}) => {
    const argv = [tmux.bin, ...tmux.args(args)];
    const subcommand = args[0] ?? '';
    const started = performance.now();
    spawnCount += 1;
    const child = await runProcess(tmux.bin, argv.slice(1), { env: clientEnvironment(options), timeoutMs: timeout, signal: call.signal, input: call.input });
    const result: TmuxCallResult = {
      argv,
      exitCode: child.exitCode,
      stdout: child.stdout.trimEnd(),
      stderr: child.stderr.trim(),
      durationMs: Math.round(performance.now() - started),
    };
    if (child.ended === 'timeout') throw new TmuxError('timeout', subcommand, result);
    if (child.ended === 'cancelled') throw new TmuxError('cancelled', subcommand, result, call.signal?.reason);
    if (child.ended === 'missing') throw new TmuxError('tmux-missing', subcommand, result, child.error);
    if (child.ended === 'error') throw new TmuxError('failed', subcommand, { ...result, stderr: result.stderr || String(child.error?.message ?? '') }, child.error);
    if (child.exitCode !== 0) throw new TmuxError(classifyStderr(result.stderr), subcommand, result);
    return result;
  };
}

interface ProcessOutcome {
  readonly exitCode: number | undefined;
  readonly stdout: string;
  readonly stderr: string;
  /** How it ended when not by exiting: killed at the timeout or on the signal, never started, or a spawn error. */
  readonly ended?: 'timeout' | 'cancelled' | 'missing' | 'error';
  readonly error?: Error;
}

/**
 * One tmux process to its end, with node's own child_process rather than execa: a tmux call is a few milliseconds,
 * and loading execa costs a command more than its calls do. Ended (SIGTERM, SIGKILL FORCE_KILL_AFTER_MS later) at
 * the timeout or when the signal aborts, and waited for: a tmux client ended after sending its command may still
 * have had it run, and the caller's rollback looks only once it is gone.
 */
function runProcess(file: string, args: readonly string[], options: { env: NodeJS.ProcessEnv; timeoutMs: number; signal?: AbortSignal; input?: string }): Promise<ProcessOutcome> {
  return new Promise((resolve) => {
    if (options.signal?.aborted) return resolve({ exitCode: undefined, stdout: '', stderr: '', ended: 'cancelled' });
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(file, args, { env: options.env, stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    } catch (spawnError) {
      // An argument or value node refuses to pass (a NUL byte): nothing ran.
      return resolve({ exitCode: undefined, stdout: '', stderr: String((spawnError as Error).message), ended: 'error', error: spawnError as Error });
    }
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let ended: ProcessOutcome['ended'];
    let error: Error | undefined;
    let forceKill: NodeJS.Timeout | undefined;
    const stop = (why: 'timeout' | 'cancelled') => {
      // Exited already, its output still being read: it ended by itself.
      if (child.exitCode !== null || child.signalCode !== null) return;
      ended ??= why;
      child.kill('SIGTERM');
      forceKill ??= setTimeout(() => child.kill('SIGKILL'), FORCE_KILL_AFTER_MS);
    };
    const timer = setTimeout(() => stop('timeout'), options.timeoutMs);
    const onAbort = () => stop('cancelled');
    options.signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', (spawnError: NodeJS.ErrnoException) => {
      error = spawnError;
      ended ??= spawnError.code === 'ENOENT' ? 'missing' : 'error';
    });
    if (options.input !== undefined && child.stdin) {
      // A tmux that exits before reading all of it (a failed load-buffer) closes the pipe: its exit says why.
      child.stdin.on('error', () => undefined);
      child.stdin.end(options.input);
    }
    child.on('close', (code) => {
      clearTimeout(timer);
      clearTimeout(forceKill);
      options.signal?.removeEventListener('abort', onAbort);
      resolve({
        exitCode: code ?? undefined,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
        ...(ended ? { ended } : {}),
        ...(error ? { error } : {}),
      });
    });
  });
}

/**
 * The environment of tmux clients: the given one whole, or this process's (as it is at the call), each without TMUX
 * and TMUX_PANE, which would point a client at another server.
 */
function clientEnvironment(options: TmuxRunnerOptions): NodeJS.ProcessEnv {
  const { TMUX: _tmux, TMUX_PANE: _pane, ...env } = options.clientEnv ?? process.env;
  return env;
}

/**
 * tmux taking over the terminal (attach, switch-client): stdio inherited, so it can draw and read keys, and this
 * process waits until tmux gives the terminal back. The environment is the caller's to give: the client's own
 * terminal (TERM and the like) is the user's, not the clean one of calls that may start a server.
 */
export function createTerminalRunner(options: TmuxRunnerOptions): TerminalRunner {
  const tmux = tmuxCommand(options);
  return (args, { env }) => {
    spawnCount += 1;
    const result = spawnSync(tmux.bin, tmux.args(args), { stdio: 'inherit', env });
    if (result.error) throw result.error;
    return result.status ?? 1;
  };
}
