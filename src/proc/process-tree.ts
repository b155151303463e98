import { readdirSync, readFileSync } from 'node:fs';

/** One process as /proc shows it; `startTime` (clock ticks since boot) guards against PID reuse. */
export interface ProcessEntry {
  readonly pid: number;
  readonly ppid: number;
  readonly pgid: number;
  readonly sid: number;
  /** The process's controlling terminal (0 without one: never had it, or it was hung up, as when tmux kills a pane). */
  readonly tty: number;
  /** The foreground process group of the process's terminal (-1 without one). */
  readonly tpgid: number;
  readonly startTime: number;
  /** CPU time used so far, user and system, in clock ticks. */
  readonly cpuTicks: number;
  /** Running on a CPU (or ready to) rather than waiting. */
  readonly running: boolean;
  readonly command: string;
}

export function readProcess(pid: number): ProcessEntry | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command is in parentheses and may itself contain spaces and parentheses: split after the last ')'.
  const close = stat.lastIndexOf(')');
  const command = stat.slice(stat.indexOf('(') + 1, close);
  const fields = stat.slice(close + 2).split(' ');
  const state = fields[0];
  if (state === 'Z' || state === 'X') return undefined;
  return {
    pid,
    ppid: Number(fields[1]),
    pgid: Number(fields[2]),
    sid: Number(fields[3]),
    tty: Number(fields[4]),
    tpgid: Number(fields[5]),
    startTime: Number(fields[19]),
    cpuTicks: Number(fields[11]) + Number(fields[12]),
    running: state === 'R',
    command,
  };
}

const CLOCK_TICKS_PER_SECOND = 100;

/** How long a process has been running, from its start time (clock ticks since boot) and the system uptime. */
export function processAgeMs(entry: ProcessEntry): number {
  const uptimeSeconds = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
  return Math.max(0, Math.round(uptimeSeconds * 1000 - (entry.startTime * 1000) / CLOCK_TICKS_PER_SECOND));
}

/**
 * What runs in the foreground of a pane, read from /proc the way tmux computes pane_current_command (the program
 * name of the terminal's foreground process group), without a tmux process per question.
 */
export function foregroundCommand(pane: ProcessEntry): string {
  const leader = pane.tpgid > 0 ? pane.tpgid : pane.pid;
  let argv0 = '';
  try {
    argv0 = readFileSync(`/proc/${leader}/cmdline`, 'utf8').split('\0')[0] ?? '';
  } catch {
    // The group leader exited between the two reads: the pane's own process name will do.
  }
  const name = argv0.slice(argv0.lastIndexOf('/') + 1);
  return name !== '' ? name : leader === pane.pid ? pane.command : (readProcess(leader)?.command ?? pane.command);
}

export function listProcesses(): ProcessEntry[] {
  const entries: ProcessEntry[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const entry = readProcess(Number(name));
    if (entry) entries.push(entry);
  }
  return entries;
}

/**
 * The processes a pane owns: the pane process, everything descended from it, and every process still in the
 * terminal session tmux made for the pane (children that were reparented to init when their parent died).
 * Nothing outside those two relations is ever included.
 */
export function processesOwnedBy(panePid: number, all: readonly ProcessEntry[] = listProcesses()): ProcessEntry[] {
  const root = all.find((p) => p.pid === panePid);
  const owned = new Map<number, ProcessEntry>();
  // tmux makes each pane process a session leader, and the session id outlives it: a process still in that session
  // belongs to the pane, even once the pane's own process has died and its children were reparented to init.
  if (!root || root.sid === root.pid) {
    for (const p of all) if (p.sid === panePid) owned.set(p.pid, p);
  }
  if (root) owned.set(root.pid, root);
  const children = new Map<number, ProcessEntry[]>();
  for (const p of all) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p]);
  const queue = [...owned.keys()];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift()!) ?? []) {
      if (!owned.has(child.pid)) {
        owned.set(child.pid, child);
        queue.push(child.pid);
      }
    }
  }
  return [...owned.values()];
}

/** True when the process is alive and is still the one that was snapshotted (same start time). */
export function isSameProcessAlive(entry: ProcessEntry): boolean {
  const now = readProcess(entry.pid);
  return now !== undefined && now.startTime === entry.startTime;
}

/** Processes whose argv contains `args` as a contiguous run (read from /proc/<pid>/cmdline). */
export function processesWithArgs(args: readonly string[], all: readonly ProcessEntry[] = listProcesses()): ProcessEntry[] {
  return all.filter((entry) => {
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${entry.pid}/cmdline`, 'utf8').split('\0');
    } catch {
      return false;
    }
    return argv.some((_, start) => args.every((arg, i) => argv[start + i] === arg));
  });
}
