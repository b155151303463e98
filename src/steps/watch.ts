import { lastLines } from '../agents/screen.js';
import type { Tmux } from '../tmux/client.js';
import { TmuxError } from '../tmux/errors.js';
import type { PaneInfo } from '../tmux/formats.js';
import { StepError } from './errors.js';

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
    [info, screen] = await Promise.all([tmux.paneInfo(paneId, { signal }), tmux.capturePane(paneId, { signal })]);
  } catch (error) {
    if (error instanceof TmuxError && error.isGone) {
      throw new StepError(`the agent's session is gone (${what})`, { cause: error });
    }
    throw error;
  }
  if (info.dead) {
    throw new StepError(`the agent exited with status ${info.deadStatus ?? 'unknown'} ${what}`, {
      screen: lastLines(screen),
      ...(info.deadStatus !== undefined ? { exitStatus: info.deadStatus } : {}),
    });
  }
  return { info, screen };
}

export function isShell(command: string): boolean {
  return SHELLS.has(command.replace(/^-/, ''));
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export function secondsUntil(deadline: number, from: number): string {
  return `${((deadline - from) / 1000).toFixed(1)} s`;
}
