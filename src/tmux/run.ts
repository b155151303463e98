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

const DEFAULT_TIMEOUT_MS = 10_000;

let spawnCount = 0;

/** How many tmux processes this process has spawned (for benchmarks and tests). */
export function tmuxSpawnCount(): number {
  return spawnCount;
}

/** The only place that spawns tmux: `tmux -u -L <socket> <args>`, no shell, stdout trimmed; a non-zero exit throws TmuxError. */
export function createTmuxRunner(options: TmuxRunnerOptions): TmuxRunner {
  if (!/^[A-Za-z0-9_.-]+$/.test(options.socket) || /^\.+$/.test(options.socket)) {
    throw new Error(`invalid tmux socket name: ${JSON.stringify(options.socket)}`);
  }
  const bin = options.bin ?? 'tmux';
  const timeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const { TMUX: _tmux, TMUX_PANE: _pane, ...clientEnv } = options.clientEnv ?? {};
  const env = options.clientEnv ? clientEnv : { TMUX: undefined, TMUX_PANE: undefined };
  return async (args, call = {}) => {
    const argv = [bin, '-u', '-L', options.socket, ...args];
    const subcommand = args[0] ?? '';
    const started = performance.now();
    spawnCount += 1;
    const { execa } = await loadExeca();
    const child = await execa(bin, argv.slice(1), {
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
 * tmux taking over the terminal (attach, switch-client): stdio inherited, so it can draw and read keys; returns
 * tmux's exit code. `insideOtherServer` unsets TMUX so tmux agrees to attach from within another server's pane.
 */
export function runTmuxInteractive(socket: string, args: readonly string[], { insideOtherServer = false, bin = 'tmux' } = {}): number {
  const env = { ...process.env };
  if (insideOtherServer) {
    delete env.TMUX;
    delete env.TMUX_PANE;
  }
  const result = spawnSync(bin, ['-u', '-L', socket, ...args], { stdio: 'inherit', env });
  if (result.error) throw result.error;
  return result.status ?? 1;
}
