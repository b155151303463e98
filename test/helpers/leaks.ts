/**
 * What a test file leaves running: tmux servers still up on a socket in the file's private socket directory, and live
 * processes of our user that belong to the file: their working directory is under the file's private directory, or
 * their environment names it as TMUX_TMPDIR, as that of every process the file's tests start does (tmux servers
 * included; an agent in a pane, whose environment polecat strips, works in a town under that directory).
 * Read straight from /proc and the socket directory: it runs before and after every test, so it must be cheap.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { readProcess } from '../../src/proc/process-tree.js';

export interface LeftServer {
  readonly kind: 'server';
  /** The socket's name, as given to `tmux -L`. */
  readonly socket: string;
  readonly path: string;
}

export interface LeftProcess {
  readonly kind: 'process';
  readonly pid: number;
  /** Clock ticks since boot: with the pid, names one process even if the pid is reused. */
  readonly startTime: number;
  readonly cmdline: string;
  readonly cwd: string;
}

export interface Leftovers {
  readonly servers: readonly LeftServer[];
  readonly processes: readonly LeftProcess[];
}

export const NO_LEFTOVERS: Leftovers = { servers: [], processes: [] };

const uid = process.getuid?.() ?? 0;

/** This process and its ancestors (the vitest worker and the runner that forked it): never leftovers. */
const ourselves = ((): ReadonlySet<number> => {
  const pids = new Set<number>();
  for (let pid = process.pid; pid > 1 && !pids.has(pid); ) {
    pids.add(pid);
    const stat = readProcess(pid);
    if (!stat) break;
    pid = stat.ppid;
  }
  return pids;
})();
/** Nor is a process that started before this one: the file's tests cannot have started it (one read of it, not four). */
const ourStart = readProcess(process.pid)?.startTime ?? 0;

export function socketDir(dir: string): string {
  return join(dir, `tmux-${uid}`);
}

/** Everything of this test file's that is running now. */
export function findLeftovers(dir: string): Leftovers {
  return { servers: liveServers(dir), processes: liveProcesses(dir) };
}

/** The leftovers in `now` that were not already there in `before`. */
export function newSince(now: Leftovers, before: Leftovers): Leftovers {
  const servers = new Set(before.servers.map((s) => s.socket));
  const processes = new Set(before.processes.map(processKey));
  return {
    servers: now.servers.filter((s) => !servers.has(s.socket)),
    processes: now.processes.filter((p) => !processes.has(processKey(p))),
  };
}

export function isEmpty(leftovers: Leftovers): boolean {
  return leftovers.servers.length === 0 && leftovers.processes.length === 0;
}

/**
 * The leftovers not in `before` that are still there after up to `graceMs`: stopping is asynchronous (a killed pane's
 * processes, a tmux server whose last session just closed), so what is on its way out gets a moment to go.
 */
export async function settledLeftovers(dir: string, before: Leftovers, graceMs = 2_000): Promise<Leftovers> {
  const deadline = Date.now() + graceMs;
  for (;;) {
    const left = newSince(findLeftovers(dir), before);
    if (isEmpty(left) || Date.now() >= deadline) return left;
    await sleep(25);
  }
}

/** Kills leftovers: `kill-server` for servers, SIGKILL for processes; waits (briefly) for both to be gone. */
export async function killLeftovers(leftovers: Leftovers, realTmux: string): Promise<void> {
  for (const server of leftovers.servers) {
    try {
      execFileSync(realTmux, ['-S', server.path, 'kill-server'], { stdio: 'ignore', timeout: 5_000 });
    } catch {
      // already gone
    }
  }
  for (const p of leftovers.processes) {
    if (readProcess(p.pid)?.startTime !== p.startTime) continue;
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  // kill-server returns once the server has the command: the server itself (and its socket) goes a moment later.
  const deadline = Date.now() + 1_000;
  while ((leftovers.processes.some((p) => isLive(p)) || anyBound(leftovers.servers)) && Date.now() < deadline) await sleep(10);
}

/** A server's socket is still bound by a live process (see liveServers). */
function anyBound(servers: readonly LeftServer[]): boolean {
  if (servers.length === 0) return false;
  const bound = boundUnixSockets();
  return servers.some((server) => {
    try {
      return bound.has(join(realpathSync(dirname(server.path)), basename(server.path)));
    } catch {
      return false;
    }
  });
}

/** One line per leftover: the server's socket, or the process's pid, command line and working directory. */
export function describeLeftovers(leftovers: Leftovers, dir: string): string {
  const shorten = (path: string) => (path === dir || path.startsWith(`${dir}/`) ? `<test dir>${path.slice(dir.length)}` : path);
  return [
    ...leftovers.servers.map((s) => `  tmux server on socket ${s.socket}`),
    ...leftovers.processes.map((p) => `  pid ${p.pid}: ${p.cmdline} (cwd ${shorten(p.cwd)})`),
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------------------------

function liveServers(dir: string): LeftServer[] {
  const sockets = socketDir(dir);
  let names: string[];
  try {
    names = readdirSync(sockets);
  } catch {
    return [];
  }
  if (names.length === 0) return [];
  // tmux leaves its socket file behind when its server exits: a server is there only while a live process has the
  // socket bound, as /proc/net/unix lists (one read for all the sockets, cheaper than connecting to each; tmux binds
  // the directory's real path).
  const bound = boundUnixSockets();
  const real = realpathSync(sockets);
  return names.filter((socket) => bound.has(join(real, socket))).map((socket) => ({ kind: 'server', socket, path: join(sockets, socket) }));
}

function boundUnixSockets(): Set<string> {
  const table = readFileSync('/proc/net/unix', 'utf8');
  // Num RefCount Protocol Flags Type St Inode Path: the path, when there is one, is the rest of the line.
  const paths = new Set<string>();
  for (const line of table.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields.length > 7) paths.add(fields.slice(7).join(' '));
  }
  return paths;
}

function liveProcesses(dir: string): LeftProcess[] {
  const marker = `TMUX_TMPDIR=${dir}`;
  const under = (path: string) => path === dir || path.startsWith(`${dir}/`);
  const found: LeftProcess[] = [];
  for (const name of readdirSync('/proc')) {
    const code = name.charCodeAt(0);
    if (code < 48 || code > 57) continue; // not a pid
    const pid = Number(name);
    if (ourselves.has(pid)) continue;
    try {
      const stat = readProcess(pid);
      if (!stat || stat.startTime < ourStart) continue;
      if (statSync(`/proc/${name}`).uid !== uid) continue;
      let cwd = '';
      try {
        cwd = readlinkSync(`/proc/${name}/cwd`);
      } catch {
        // a kernel thread, or exiting
      }
      if (!under(cwd) && !readFileSync(`/proc/${name}/environ`, 'latin1').split('\0').includes(marker)) continue;
      const cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8').replace(/\0+$/, '').replaceAll('\0', ' ');
      found.push({ kind: 'process', pid, startTime: stat.startTime, cmdline: truncate(cmdline || `[${stat.command}]`), cwd });
    } catch {
      // exited while we looked
    }
  }
  return found;
}

function isLive(p: LeftProcess): boolean {
  return readProcess(p.pid)?.startTime === p.startTime;
}

function processKey(p: LeftProcess): string {
  return `${p.pid}@${p.startTime}`;
}

function truncate(text: string, max = 300): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
