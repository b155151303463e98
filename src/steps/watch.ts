import { lastLines, recognizeDeadEnd } from '../agents/screen.js';
import type { Tmux } from '../tmux/client.js';
import { TmuxError } from '../tmux/errors.js';
import { describeExit, type PaneInfo } from '../tmux/formats.js';
import { StepError } from './errors.js';
import { sleep } from '../timers/sleep.js';

export { sleep };

export const SHELLS: ReadonlySet<string> = new Set(['bash', 'zsh', 'sh', 'dash', 'fish', 'tcsh', 'csh', 'ksh', 'pwsh', 'powershell']);

export interface PaneView {
  readonly info: PaneInfo;
  readonly screen: string;
}

/**
 * One look at the agent's pane. An agent that died, or a session that vanished, fails the wait at once
 * with the exit status and the last screen, instead of at the end of a timeout.
 */
export async function lookAtPane(tmux: Tmux, paneId: string, signal: AbortSignal | undefined, what: string): Promise<PaneView> {
  let info: PaneInfo;
  let screen: string;
  try {
    ({ info, screen } = await tmux.look(paneId, { signal }));
  } catch (error) {
    if (error instanceof TmuxError && error.isGone) {
      const gone = error.code === 'no-server' ? 'the tmux server is gone (killed or crashed), and the session with it' : "the agent's session is gone";
      throw new StepError(`${gone} (${what})`, { cause: error });
    }
    throw error;
  }
  if (info.dead) {
    if (info.deadStatus === undefined && info.deadSignal === undefined) info = await awaitExitStatus(tmux, paneId, info, signal);
    const how = info.deadSignal !== undefined ? `was killed by ${describeExit(undefined, info.deadSignal)}` : `exited with ${describeExit(info.deadStatus, undefined)}`;
    // An agent that said why it left (not signed in, too old) is told as such: the advice comes first.
    const deadEnd = recognizeDeadEnd(screen);
    throw new StepError(deadEnd ? `${deadEnd.advice} (the agent ${how} ${what})` : `the agent ${how} ${what}`, {
      screen: lastLines(screen),
      ...(info.deadStatus !== undefined ? { exitStatus: info.deadStatus } : {}),
    });
  }
  return { info, screen };
}

/**
 * After polecat types text or presses Enter, how long it waits before each look until the screen shows what it
 * waits for: an agent draws what it was sent within milliseconds, so the first looks come soon, then at the poll
 * interval. Only for waits that read the agent's input line, where what is seen early is seen for sure.
 */
export const LOOKS_AFTER_KEYS_MS: readonly number[] = [5, 10, 20];

/**
 * Looks at one pane, and between looks waits: the poll interval, or, after polecat sent it keys (`sentKeys`), the
 * shorter waits of LOOKS_AFTER_KEYS_MS first.
 */
export class PaneWatcher {
  private soon: number[] = [];
  private lastPauseMs: number;

  constructor(
    private readonly tmux: Tmux,
    private readonly paneId: string,
    private readonly what: string,
    private readonly pollMs: number,
    private readonly signal: AbortSignal | undefined,
  ) {
    this.lastPauseMs = pollMs;
  }

  look(): Promise<PaneView> {
    return lookAtPane(this.tmux, this.paneId, this.signal, this.what);
  }

  /** Keys just went to the pane: the next looks come soon. */
  sentKeys(): void {
    this.soon = LOOKS_AFTER_KEYS_MS.filter((ms) => ms < this.pollMs);
  }

  pause(): Promise<void> {
    this.lastPauseMs = this.soon.shift() ?? this.pollMs;
    return sleep(this.lastPauseMs, this.signal);
  }

  /** The last pause was one of the short ones: a frame the agent was still drawing may have been seen. */
  get hurried(): boolean {
    return this.lastPauseMs < this.pollMs;
  }
}

/**
 * tmux 3.3 can miss the SIGCHLD of a pane's process (a race with its utmp helper): the pane shows dead but its
 * exit status stays empty until the server reaps again. A SIGCHLD to the server makes it reap; give it a moment.
 */
export async function awaitExitStatus(tmux: Tmux, paneId: string, info: PaneInfo, signal: AbortSignal | undefined): Promise<PaneInfo> {
  const serverPid = await tmux.serverPid({ signal }).catch(() => undefined);
  const deadline = Date.now() + 1_000;
  let current = info;
  while (current.deadStatus === undefined && current.deadSignal === undefined && Date.now() < deadline) {
    if (serverPid !== undefined) {
      try {
        process.kill(serverPid, 'SIGCHLD');
      } catch {
        // the server is gone: the status will not come
      }
    }
    await sleep(20, signal);
    current = await tmux.paneInfo(paneId, { signal }).catch(() => current);
  }
  return current;
}

export function isShell(command: string): boolean {
  return SHELLS.has(command.replace(/^-/, ''));
}

export function secondsUntil(deadline: number, from: number): string {
  return `${((deadline - from) / 1000).toFixed(1)} s`;
}
