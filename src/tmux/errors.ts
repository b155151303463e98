import type { FailedCommand } from '../../machines/shared.js';
import { formatCommand } from '../exec/command-line.js';

export { formatCommand } from '../exec/command-line.js';

/** Why a tmux call failed, classified once from its stderr so callers route on a code, never on message text. */
export type TmuxErrorCode =
  | 'no-server'
  | 'session-not-found'
  | 'session-exists'
  | 'timeout'
  | 'cancelled'
  | 'tmux-missing'
  | 'failed';

export interface TmuxCallResult {
  readonly argv: readonly string[];
  readonly exitCode: number | undefined;
  readonly stdout: string;
  readonly stderr: string;
  readonly durationMs: number;
}

export class TmuxError extends Error {
  override readonly name = 'TmuxError';
  readonly code: TmuxErrorCode;
  readonly subcommand: string;
  readonly result: TmuxCallResult;

  constructor(code: TmuxErrorCode, subcommand: string, result: TmuxCallResult, cause?: unknown) {
    super(describe(code, result), { cause });
    this.code = code;
    this.subcommand = subcommand;
    this.result = result;
  }

  /** The call as a failure record keeps it: command line, exit code, stderr. */
  get failedCommand(): FailedCommand {
    return {
      line: formatCommand(this.result.argv),
      ...(this.result.exitCode !== undefined ? { exitCode: this.result.exitCode } : {}),
      ...(this.result.stderr !== '' ? { stderr: this.result.stderr } : {}),
    };
  }

  /** The session (or the whole server) is not there: during a stop or a kill that counts as done. */
  get isGone(): boolean {
    return this.code === 'no-server' || this.code === 'session-not-found';
  }
}

// `error connecting to <socket> (<reason>)` is every connect failure; only a missing socket means no server.
const NO_SERVER = ['no server running', 'no current target', 'server exited unexpectedly'];
const NOT_FOUND = ["can't find session", 'session not found', 'no such session', "can't find pane", "can't find window"];

export function classifyStderr(stderr: string): TmuxErrorCode {
  const text = stderr.toLowerCase();
  if (NO_SERVER.some((s) => text.includes(s))) return 'no-server';
  if (text.includes('error connecting to') && text.includes('no such file or directory')) return 'no-server';
  if (text.includes('duplicate session')) return 'session-exists';
  if (NOT_FOUND.some((s) => text.includes(s))) return 'session-not-found';
  return 'failed';
}

function describe(code: TmuxErrorCode, result: TmuxCallResult): string {
  const command = formatCommand(result.argv);
  const reason = result.stderr.trim() || `exit code ${result.exitCode ?? 'none'}`;
  switch (code) {
    case 'timeout':
      return `tmux timed out: ${command}`;
    case 'cancelled':
      return `tmux call cancelled: ${command}`;
    case 'tmux-missing':
      return 'tmux is not installed or not on PATH (polecat needs tmux 3.2 or newer)';
    default:
      return `${command}: ${reason}`;
  }
}
