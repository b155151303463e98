import { spawnSync } from 'node:child_process';
import { loadExeca } from '../exec/execa.js';
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
  const { TMUX: _tmux, TMUX_PANE: _pane, ...clientEnv } = options.clientEnv ?? {};
  const env = options.clientEnv ? clientEnv : { TMUX: undefined, TMUX_PANE: undefined };
  return async (args, call = {}) => {
    const argv = [tmux.bin, ...tmux.args(args)];
    const subcommand = args[0] ?? '';
    const started = performance.now();
    spawnCount += 1;
    const { execa } = await loadExeca();
    const child = await execa(tmux.bin, argv.slice(1), {
      reject: false,
      timeout,
      cancelSignal: call.signal,
      input: call.input,
      stdin: call.input === undefined ? 'ignore' : undefined,
      stripFinalNewline: true,
      env,
      extendEnv: options.clientEnv === undefined,
    });
    const result: TmuxCallResult = {
      argv,
      exitCode: child.exitCode,
      stdout: typeof child.stdout === 'string' ? child.stdout.trimEnd() : '',
      stderr: typeof child.stderr === 'string' ? child.stderr.trim() : '',
      durationMs: Math.round(performance.now() - started),
    };
    if (child.timedOut) throw new TmuxError('timeout', subcommand, result, child);
    if (child.isCanceled) throw new TmuxError('cancelled', subcommand, result, child);
    if ((child as { code?: string }).code === 'ENOENT') throw new TmuxError('tmux-missing', subcommand, result, child);
    if (child.failed) throw new TmuxError(classifyStderr(result.stderr), subcommand, result, child);
    return result;
  };
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
