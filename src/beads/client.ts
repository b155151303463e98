import type { FailedCommand } from '../../machines/shared.js';
import { formatCommand } from '../exec/command-line.js';
import { loadExeca } from '../exec/execa.js';
import { InFlight } from '../runs/in-flight.js';
import { isDirectory } from '../town/town.js';

export interface BeadsIssue {
  readonly id: string;
  readonly title?: string;
  readonly status: string;
  readonly assignee?: string;
}

export interface IssueChange {
  readonly status: string;
  readonly assignee: string;
}

export type BeadsErrorCode = 'bd-missing' | 'not-found' | 'failed' | 'timeout' | 'cancelled' | 'bad-output' | 'terminal-status';

export class BeadsError extends Error {
  override readonly name = 'BeadsError';
  constructor(
    readonly code: BeadsErrorCode,
    readonly issueId: string,
    message: string,
    /** The bd call, when it ran and failed: its command line, exit code and stderr, for the run's failure record. */
    readonly failedCommand?: FailedCommand,
  ) {
    super(message);
  }
}

export interface BeadsOptions {
  /** The bd binary: GT_BD, else `bd` from PATH. */
  readonly bin?: string;
  readonly timeoutMs?: number;
}

export const TERMINAL_STATUSES: readonly string[] = ['closed', 'tombstone'];
const DEFAULT_TIMEOUT_MS = 30_000;

/** The one place that runs `bd`. */
export class Beads {
  private readonly bin: string;
  private readonly timeoutMs: number;
  private readonly inFlight = new InFlight();

  constructor(options: BeadsOptions = {}) {
    this.bin = options.bin ?? 'bd';
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  async show(id: string, { cwd, signal }: { cwd: string; signal?: AbortSignal }): Promise<BeadsIssue> {
    const stdout = await this.run(id, ['show', id, '--json'], cwd, signal);
    let parsed: unknown;
    try {
      parsed = JSON.parse(stdout);
    } catch {
      throw new BeadsError('bad-output', id, `bd show ${id}: output is not JSON: ${stdout.slice(0, 120)}`);
    }
    const issue = Array.isArray(parsed) ? parsed[0] : undefined;
    if (issue === undefined) throw new BeadsError('not-found', id, `issue ${id} not found`);
    if (typeof issue !== 'object' || issue === null || typeof issue.status !== 'string') {
      throw new BeadsError('bad-output', id, `bd show ${id}: expected an array of issues with a status`);
    }
    return {
      id: typeof issue.id === 'string' ? issue.id : id,
      title: typeof issue.title === 'string' ? issue.title : undefined,
      status: issue.status,
      assignee: typeof issue.assignee === 'string' && issue.assignee !== '' ? issue.assignee : undefined,
    };
  }

  /** `bd update`'s arguments: also how a `bd update` left running by a dead start is found among processes. */
  static updateArgs(id: string, change: IssueChange): string[] {
    return ['update', id, `--status=${change.status}`, `--assignee=${change.assignee}`];
  }

  async update(id: string, change: IssueChange, { cwd, signal }: { cwd: string; signal?: AbortSignal }): Promise<void> {
    await this.run(id, Beads.updateArgs(id, change), cwd, signal);
  }

  /** Resolves once every bd this client started so far has exited: a cancelled `bd update` may still write. */
  async settled(): Promise<void> {
    await this.inFlight.settled();
  }

  private async run(id: string, args: string[], cwd: string, signal: AbortSignal | undefined): Promise<string> {
    const command = formatCommand(['bd', ...args]);
    if (!isDirectory(cwd)) throw new BeadsError('failed', id, `issue ${id} is looked up in ${cwd}, which is not a directory (check <town>/.beads/routes.jsonl)`);
    const { execa } = await loadExeca();
    const result = await this.inFlight.track(execa(this.bin, args, { cwd, reject: false, timeout: this.timeoutMs, cancelSignal: signal, stdin: 'ignore' }));
    const spawnError = (result as { code?: string }).code;
    if (spawnError === 'ENOENT') {
      throw new BeadsError('bd-missing', id, `bd not found, needed for issue ${id} (looked for ${JSON.stringify(this.bin)}; install beads or set GT_BD)`);
    }
    if (spawnError === 'EACCES' || spawnError === 'EISDIR') {
      throw new BeadsError('bd-missing', id, `bd at ${JSON.stringify(this.bin)} cannot be run (${spawnError}), needed for issue ${id}`);
    }
    const stderr = typeof result.stderr === 'string' ? result.stderr.trim() : '';
    const failed: FailedCommand = {
      line: formatCommand([this.bin, ...args]),
      ...(result.exitCode !== undefined ? { exitCode: result.exitCode } : {}),
      ...(stderr !== '' ? { stderr } : {}),
    };
    if (result.timedOut) throw new BeadsError('timeout', id, `${command} timed out after ${this.timeoutMs} ms`, failed);
    if (result.isCanceled) throw new BeadsError('cancelled', id, `${command} was cancelled`, failed);
    if (result.failed) {
      throw new BeadsError('failed', id, `${command} failed (exit ${result.exitCode ?? result.signal}): ${stderr || 'no error output'}`, failed);
    }
    return typeof result.stdout === 'string' ? result.stdout : '';
  }
}
