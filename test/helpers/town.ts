import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { testTmpDir } from './tmux-guard.js';

export interface TestTown {
  readonly root: string;
  /** Path for a sim agent's log inside the town. */
  logPath(name: string): string;
  /** Writes `<rig>/.beads/issues.json` for the stand-in bd. */
  setIssues(rig: string, issues: Record<string, { status: string; assignee?: string; title?: string }>): void;
  issue(rig: string, id: string): { status: string; assignee?: string };
}

/** A throwaway town: mayor/town.json and one directory per polecat. */
export function makeTown(polecats: Record<string, readonly string[]>): TestTown {
  const root = mkdtempSync(join(testTmpDir, 'town-'));
  mkdirSync(join(root, 'mayor'), { recursive: true });
  writeFileSync(join(root, 'mayor', 'town.json'), '{"name":"test"}\n');
  for (const [rig, names] of Object.entries(polecats)) {
    for (const name of names) mkdirSync(join(root, rig, 'polecats', name), { recursive: true });
  }
  const dbPath = (rig: string) => join(root, rig, '.beads', 'issues.json');
  return {
    root,
    logPath: (name) => join(root, `${name}.jsonl`),
    setIssues(rig, issues) {
      mkdirSync(join(root, rig, '.beads'), { recursive: true });
      writeFileSync(dbPath(rig), JSON.stringify({ issues }, null, 2));
    },
    issue(rig, id) {
      return JSON.parse(readFileSync(dbPath(rig), 'utf8')).issues[id];
    },
  };
}

export interface SimEvent {
  readonly ts: number;
  readonly event: string;
  readonly [key: string]: unknown;
}

export function readSimLog(path: string): SimEvent[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as SimEvent);
}

/** Kills a town's tmux server with everything on it, as a test's cleanup of sessions it made there itself. */
export function killServer(socket: string): void {
  try {
    execFileSync('tmux', ['-L', socket, 'kill-server'], { stdio: 'ignore' });
  } catch {
    // no server
  }
}

/** A tmux server answers on the socket (tmux leaves the socket file behind when its server exits). */
export function serverAlive(socket: string): boolean {
  try {
    execFileSync('tmux', ['-L', socket, 'list-sessions'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Waits for every process the sim logged (itself, its child) to be gone, and the tmux server on the socket with them. */
export async function awaitNothingLeft(log: string, socket: string): Promise<void> {
  const pids = simPids(readSimLog(log));
  await retryUntil('every agent process to be gone', () => pids.every((pid) => !isAlive(pid)) || undefined, 3_000);
  await retryUntil(`the tmux server ${socket} to be gone`, () => !serverAlive(socket) || undefined, 3_000);
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/\) [ZX] /.test(stat);
  } catch {
    return false;
  }
}

/** Every pid the sim reported (itself and its children). */
export function simPids(events: readonly SimEvent[]): number[] {
  return events.filter((e) => e.event === 'start' || e.event === 'child').map((e) => Number(e.pid));
}

export async function retryUntil<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
