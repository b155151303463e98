/**
 * The supervisor away from the terminal (`supervise --detach`): `polecat supervise` run in a tmux session of its own
 * on the town's server, so it outlives the terminal; and, for whichever supervisor runs (detached or in a terminal),
 * who it is (`--status`) and its end (`--stop`: SIGTERM, as Ctrl-C in its terminal would).
 */
import { readFileSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { InvalidInputError } from '../town/names.js';
import { shellQuote } from '../agents/shell.js';
import { packageRoot } from '../files/package-root.js';
import { writeFileAtomic } from '../files/atomic.js';
import { isAlive } from '../runs/owner.js';
import { readHolder, type LockHolder } from '../runs/lock.js';
import type { StepDeps } from '../steps/deps.js';
import { createStepDeps } from '../steps/deps.js';
import { supervisorLockPath } from './supervisor.js';

/** The detached supervisor's session on the town's tmux server. */
export const SUPERVISOR_SESSION = 'polecat-supervisor';
/** How long --detach waits for the new supervisor to take the town's lock. */
const DETACH_WAIT_MS = 10_000;
const LOOK_MS = 50;

export class SupervisorError extends Error {
  override readonly name = 'SupervisorError';
}

/** The town's running supervisor, or undefined when none runs. */
export function runningSupervisor(townRoot: string): LockHolder | undefined {
  const holder = readHolder(supervisorLockPath(townRoot));
  return holder && isAlive(holder) ? holder : undefined;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Names a pane would carry in from the caller's own tmux: they are not the supervisor's. */
const NOT_CARRIED = new Set(['TMUX', 'TMUX_PANE']);

/**
 * Starts `polecat supervise` in SUPERVISOR_SESSION and waits until it holds the town's lock. It runs with the
 * caller's environment, not the tmux server's (agents it restarts need the same PATH, TMUX_TMPDIR and credentials as
 * a `polecat start` from here): that goes through a file of mode 600 it reads and deletes first (takeEnvironment),
 * never on a command line.
 */
export async function startDetached(
  townRoot: string,
  socket: string,
  args: readonly string[],
  options: { deps?: StepDeps; env?: NodeJS.ProcessEnv } = {},
): Promise<{ holder: LockHolder; session: string }> {
  const running = runningSupervisor(townRoot);
  if (running) throw new SupervisorError(`a supervisor of town ${townRoot} already runs (pid ${running.pid}): polecat supervise --status`);
  const tmux = (options.deps ?? createStepDeps()).tmux(socket);
  if (await tmux.hasSession(SUPERVISOR_SESSION)) {
    // Left by a supervisor that ended without its --stop: its last words are in it; a new one replaces it.
    await tmux.killSession(SUPERVISOR_SESSION);
  }
  const env = Object.fromEntries(Object.entries(options.env ?? process.env).filter(([key, value]) => value !== undefined && !NOT_CARRIED.has(key)));
  const envFile = envFilePath(townRoot);
  await writeFileAtomic(envFile, JSON.stringify(env), 0o600);
  // Interrupted while the supervisor starts: the file of secrets goes too, before the signal ends this process.
  const onSignal = (signal: NodeJS.Signals) => {
    rmSync(envFile, { force: true });
    for (const name of SIGNALS) process.removeListener(name, onSignal);
    process.kill(process.pid, signal);
  };
  for (const name of SIGNALS) process.once(name, onSignal);
  const argv = [process.execPath, join(packageRoot(), 'bin', 'polecat.js'), 'supervise', '--env-from', envFile, ...args];
  // exec: the pane's process is the supervisor itself (its pid the lock's).
  const command = `exec ${argv.map(shellQuote).join(' ')}`;
  try {
    await tmux.createAgentSession({ name: SUPERVISOR_SESSION, workDir: townRoot, env: {}, command });
    const until = Date.now() + DETACH_WAIT_MS;
    for (;;) {
      const holder = runningSupervisor(townRoot);
      if (holder) return { holder, session: SUPERVISOR_SESSION };
      const pane = (await tmux.sessionPanes(SUPERVISOR_SESSION).catch(() => []))[0];
      if (!pane || pane.paneDead || Date.now() > until) {
        const screen = pane ? (await tmux.capturePane(`=${SUPERVISOR_SESSION}:`).catch(() => '')).trim() : '';
        await tmux.killSession(SUPERVISOR_SESSION).catch(() => undefined);
        const said = screen.split('\n').filter((line) => line.trim() !== '').slice(-3).join(' / ');
        throw new SupervisorError(`the detached supervisor did not start${pane && !pane.paneDead ? ` within ${DETACH_WAIT_MS / 1000} s` : ''}${said ? `: ${said}` : ''}`);
      }
      await sleep(LOOK_MS);
    }
  } finally {
    for (const name of SIGNALS) process.removeListener(name, onSignal);
    rmSync(envFile, { force: true });
  }
}

const SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

const ENV_FILE = /^supervisor-\d+-\d+\.env\.json$/;

function envFilePath(townRoot: string): string {
  return join(townRoot, '.runtime', 'polecat', `supervisor-${process.pid}-${Date.now()}.env.json`);
}

/**
 * The environment --detach left for the supervisor: it becomes this process's, exactly, and the file is deleted.
 * Only a file of the town's that --detach makes is taken (nothing else is read, let alone deleted).
 */
export function takeEnvironment(townRoot: string, file: string): void {
  const path = resolve(file);
  if (dirname(path) !== join(townRoot, '.runtime', 'polecat') || !ENV_FILE.test(basename(path))) {
    throw new InvalidInputError(`--env-from is for the supervisor polecat supervise --detach starts: ${file} is not one of its files`);
  }
  let env: Record<string, string>;
  try {
    env = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
  } finally {
    rmSync(file, { force: true });
  }
  for (const key of Object.keys(process.env)) if (!(key in env)) delete process.env[key];
  Object.assign(process.env, env);
}

/**
 * Ends the town's supervisor with SIGTERM and waits for it to be gone (a restart in progress finishes first), up to
 * `timeoutMs`; then its detached session, if any, is closed. Undefined when no supervisor ran.
 */
export async function stopSupervisor(townRoot: string, socket: string, options: { timeoutMs: number; deps?: StepDeps }): Promise<LockHolder | undefined> {
  const holder = runningSupervisor(townRoot);
  const tmux = (options.deps ?? createStepDeps()).tmux(socket);
  if (holder) {
    process.kill(holder.pid, 'SIGTERM');
    const until = Date.now() + options.timeoutMs;
    while (isAlive(holder)) {
      if (Date.now() > until) throw new SupervisorError(`the supervisor (pid ${holder.pid}) has not ended ${options.timeoutMs / 1000} s after SIGTERM (a restart still finishing?): try again, or kill ${holder.pid}`);
      await sleep(LOOK_MS);
    }
  }
  if (await tmux.hasSession(SUPERVISOR_SESSION).catch(() => false)) await tmux.killSession(SUPERVISOR_SESSION);
  return holder;
}

/** How to see the detached supervisor, as start's report says how to attach (socket names need no quoting). */
export function attachHint(socket: string): string {
  return `tmux -L ${socket} attach -t ${SUPERVISOR_SESSION}`;
}
