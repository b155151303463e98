// The bench's laboratory: a temp root holding throwaway towns and private tmux servers, the environment every child
// gets, timed runs of commands (execa, argument arrays only), and cleanup that leaves nothing running.
//
// Every measurement gets a "space": its own TMUX_TMPDIR (so no call can reach the user's tmux servers), its own
// socket name, its own town. Cleanup kills every server in every space (the processes under it first: an agent that
// ignores SIGHUP would outlive kill-server), then sweeps any process whose command line names the temp root. A
// long-running process the bench started (`polecat supervise`) is stopped first, with SIGTERM as a user stops it.
import { spawn, spawnSync } from 'node:child_process';
import { setMaxListeners } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const cli = join(root, 'bin', 'polecat.js');
export const simScript = join(root, 'dist', 'src', 'sim', 'agent.js');
export const floorScript = join(root, 'scripts', 'bench', 'floor-start.sh');
export const countingBin = join(root, 'scripts', 'bench', 'counting-bin');
export const maxRssScript = join(root, 'scripts', 'bench', 'max-rss.cjs');
export const RIG = 'rig';

/** A measurement that did not reach its outcome: the bench exits 1 with this message. */
export class MeasurementError extends Error {}

export function findOnPath(name) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, name);
    if (dir !== '' && existsSync(candidate)) return candidate;
  }
  throw new MeasurementError(`${name} not found on PATH`);
}

export class Lab {
  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'polecat-bench-'));
    this.realTmux = findOnPath('tmux');
    this.spaces = [];
    this.abort = new AbortController();
    // Every child of a measurement (50 floor scripts at once) listens to it: that is no leak.
    setMaxListeners(0, this.abort.signal);
    this.cleaned = false;
    this.daemons = [];
  }

  /** Waits `ms`, or rejects at once when the bench is interrupted. */
  sleep(ms) {
    const { signal } = this.abort;
    return new Promise((resolve, reject) => {
      if (signal.aborted) return reject(new MeasurementError('interrupted'));
      const onAbort = () => {
        clearTimeout(timer);
        reject(new MeasurementError('interrupted'));
      };
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** A process left running (polecat supervise, a floor), in the space's environment; stopped by its stop() or cleanup. */
  daemon(space, what, file, args) {
    const child = spawn(file, args, { env: this.env(space), cwd: space.dir, stdio: ['ignore', 'pipe', 'pipe'] });
    const daemon = new Daemon(what, child, this.abort.signal);
    this.daemons.push(daemon);
    return daemon;
  }

  /** A fresh TMUX_TMPDIR, socket and town with polecats `names` of rig `rig`. */
  space(label, names = ['p1']) {
    const n = this.spaces.length + 1;
    const dir = join(this.dir, `${n}-${label}`);
    const town = join(dir, 'town');
    const tmuxDir = join(dir, 'tmux');
    mkdirSync(join(town, 'mayor'), { recursive: true });
    mkdirSync(tmuxDir);
    writeFileSync(join(town, 'mayor', 'town.json'), '{"name":"bench"}\n');
    for (const name of names) mkdirSync(join(town, RIG, 'polecats', name), { recursive: true });
    const space = { label, dir, town, tmuxDir, socket: `pcb-${process.pid}-${n}`, log: join(dir, 'sim.jsonl') };
    this.spaces.push(space);
    return space;
  }

  /** The environment of every child: this one, on the space's private tmux dir, outside any tmux, no town defaults. */
  env(space, { counting = false } = {}) {
    const env = { ...process.env, TMUX_TMPDIR: space.tmuxDir };
    for (const name of ['TMUX', 'TMUX_PANE', 'GT_TOWN_ROOT', 'GT_TMUX_SOCKET', 'GT_BD', 'NODE_OPTIONS']) delete env[name];
    if (counting) env.PATH = `${countingBin}${delimiter}${env.PATH ?? ''}`;
    return env;
  }

  /** Runs a command to its end; its wall time in ms (process spawn to exit), its result. Never through a shell. */
  async run(space, file, args, { counting = false, timeoutMs = 300_000, env = {} } = {}) {
    const started = performance.now();
    const result = await execa(file, args, {
      env: { ...this.env(space, { counting }), ...env },
      extendEnv: false,
      reject: false,
      stdin: 'ignore',
      timeout: timeoutMs,
      cancelSignal: this.abort.signal,
      cwd: space.dir,
    });
    const ms = performance.now() - started;
    if (this.abort.signal.aborted) throw new MeasurementError('interrupted');
    return { ms, result };
  }

  /** Like run, but a non-zero exit is a failed measurement. */
  async runOk(space, what, file, args, options) {
    const { ms, result } = await this.run(space, file, args, options);
    if (result.exitCode !== 0 || result.failed) {
      const why = result.timedOut ? 'timed out' : `exited ${result.exitCode ?? result.signal}`;
      const lines = `${result.stderr ?? ''}\n${result.stdout ?? ''}`.trim().split('\n');
      // Every line naming a failure, then the last ones: a batch's failures may be far from its end.
      const failures = lines.filter((line) => /\bfailed\b/.test(line)).slice(0, 20);
      const detail = [...failures, ...lines.slice(-15).filter((line) => !failures.includes(line))].join('\n');
      throw new MeasurementError(`${what} ${why}${detail ? `:\n${detail}` : ''}`);
    }
    return { ms, result };
  }

  polecat(space, args, options = {}) {
    const { nodeArgs = [], ...rest } = options;
    return this.runOk(space, `polecat ${args[0]} (${space.label})`, process.execPath, [...nodeArgs, cli, ...args, '--town', space.town, '--socket', space.socket], rest);
  }

  /** One polecat command with its peak RSS in MB (scripts/bench/max-rss.cjs preloaded). */
  async polecatMemory(space, args) {
    const file = join(space.dir, `rss-${Date.now()}-${Math.random().toString(36).slice(2)}`);
    const { result } = await this.polecat(space, args, { nodeArgs: ['--require', maxRssScript], env: { POLECAT_BENCH_RSS_FILE: file } });
    return { result, peakMb: Number(readFileSync(file, 'utf8')) / 1024 };
  }

  floor(space, name, text, options) {
    const workDir = join(space.town, RIG, 'polecats', name);
    const agent = [process.execPath, simScript, '--log', space.log];
    return this.runOk(space, `floor-start.sh (${space.label})`, floorScript, [space.socket, `${RIG}-${name}`, workDir, text, ...agent], options);
  }

  /** The tmux calls logged by the counting stand-in in this space, each an argument array. */
  countedCalls(space) {
    const file = join(space.tmuxDir, 'tmux-calls.log');
    if (!existsSync(file)) return [];
    return readFileSync(file, 'utf8')
      .split('\x1e')
      .filter((record) => record !== '')
      .map((record) => record.split('\x1f').slice(0, -1));
  }

  /** The sim agents' `submit` events of this space's log: which pids got which text. */
  submits(space) {
    if (!existsSync(space.log)) return [];
    return readFileSync(space.log, 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line));
  }

  /** Checks that `count` distinct sim agents of this space received and submitted `text`. */
  expectDelivered(space, text, count, what) {
    const events = this.submits(space);
    const starts = new Set(events.filter((e) => e.event === 'start').map((e) => e.pid));
    // Agents of one space share the log and a submit names no pid: count submits of the text against starts.
    const submitted = events.filter((e) => e.event === 'submit' && e.text === text).length;
    if (starts.size < count || submitted < count) {
      throw new MeasurementError(`${what}: ${submitted} of ${count} agents got the startup text submitted (${starts.size} started)`);
    }
  }

  /** Kills everything in one space: the processes under its tmux server, then the server; waits for it to go. */
  killSpace(space) {
    const env = this.env(space);
    const pid = tmuxServerPid(this.realTmux, space.socket, env);
    if (pid !== undefined) for (const child of descendants(pid)) signal(child, 'SIGKILL');
    spawnSync(this.realTmux, ['-L', space.socket, 'kill-server'], { env, stdio: 'ignore' });
    if (pid !== undefined) waitGone(pid, 3_000);
    // Servers of sockets this space did not plan (none expected), same treatment.
    const socketDir = join(space.tmuxDir, `tmux-${process.getuid?.() ?? 0}`);
    for (const socket of existsSync(socketDir) ? readdirSync(socketDir) : []) {
      const other = tmuxServerPid(this.realTmux, socket, env);
      if (other !== undefined) for (const child of descendants(other)) signal(child, 'SIGKILL');
      spawnSync(this.realTmux, ['-L', socket, 'kill-server'], { env, stdio: 'ignore' });
      if (other !== undefined) waitGone(other, 3_000);
    }
  }

  /** Everything the bench started, gone; the temp root removed. Returns what had to be killed by the final sweep. */
  cleanup() {
    if (this.cleaned) return [];
    this.cleaned = true;
    const stopped = [];
    // Before the tmux servers go: a supervisor lets a restart in progress finish, which needs its server.
    for (const daemon of this.daemons) {
      if (daemon.exited || !alive(daemon.pid)) continue;
      stopped.push({ pid: daemon.pid, cmdline: `${daemon.what} (pid ${daemon.pid}), stopped with SIGTERM at cleanup` });
      signal(daemon.pid, 'SIGTERM');
      waitGone(daemon.pid, 10_000);
      if (alive(daemon.pid)) signal(daemon.pid, 'SIGKILL');
    }
    for (const space of this.spaces) this.killSpace(space);
    // Anything still naming the temp root (an agent's --log, a server's -c work dir) is ours and must go.
    const left = processesMentioning(this.dir);
    for (const { pid } of left) signal(pid, 'SIGKILL');
    for (const { pid } of left) waitGone(pid, 2_000);
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        rmSync(this.dir, { recursive: true, force: true });
        break;
      } catch {
        spawnSync('sleep', ['0.1']);
      }
    }
    return [...stopped, ...left];
  }
}

/** A running child whose stdout is kept line by line, each line with the time it arrived. */
export class Daemon {
  constructor(what, child, abortSignal) {
    this.what = what;
    this.child = child;
    this.pid = child.pid;
    this.abortSignal = abortSignal;
    this.lines = [];
    this.stderr = '';
    this.exited = undefined;
    this.waiters = new Set();
    let partial = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      const at = Date.now();
      const parts = (partial + chunk).split('\n');
      partial = parts.pop();
      for (const text of parts) this.lines.push({ text, at });
      this.notify();
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk) => {
      this.stderr += chunk;
    });
    child.on('error', (error) => {
      this.exited ??= { code: null, signal: null, error };
      this.notify();
    });
    child.on('exit', (code, sig) => {
      this.exited = { code, signal: sig };
      this.notify();
    });
  }

  notify() {
    for (const check of [...this.waiters]) check();
  }

  /** What it printed last, for a failure's message. */
  tail() {
    return [...this.lines.slice(-15).map((l) => l.text), this.stderr.trim()].filter((t) => t !== '').join('\n');
  }

  /**
   * Resolves with what `test(lines)` returns once it returns something (checked at each new line); rejects when the
   * process exits first, after timeoutMs, or when the bench is interrupted.
   */
  until(test, timeoutMs, what) {
    return new Promise((resolve, reject) => {
      let timer;
      const done = (fn, value) => {
        this.waiters.delete(check);
        clearTimeout(timer);
        this.abortSignal.removeEventListener('abort', onAbort);
        fn(value);
      };
      const onAbort = () => done(reject, new MeasurementError('interrupted'));
      const check = () => {
        const found = test(this.lines);
        if (found !== undefined) return done(resolve, found);
        if (this.exited) done(reject, new MeasurementError(`${this.what} exited (${this.exited.code ?? this.exited.signal}) before ${what}:\n${this.tail()}`));
      };
      timer = setTimeout(() => done(reject, new MeasurementError(`${this.what}: no ${what} in ${timeoutMs} ms:\n${this.tail()}`)), timeoutMs);
      this.abortSignal.addEventListener('abort', onAbort, { once: true });
      this.waiters.add(check);
      check();
    });
  }

  /** The first line from index `from` on that matches `pattern`: its index, text, arrival and match. */
  waitFor(pattern, { from = 0, timeoutMs = 30_000 } = {}) {
    return this.until(
      (lines) => {
        for (let i = from; i < lines.length; i++) {
          const match = pattern.exec(lines[i].text);
          if (match) return { index: i, ...lines[i], match };
        }
        return undefined;
      },
      timeoutMs,
      `a line matching ${pattern}`,
    );
  }

  /** SIGTERM, then its exit (SIGKILL after timeoutMs): its exit code or signal and how long it took to go. */
  async stop(timeoutMs = 15_000) {
    const began = performance.now();
    if (!this.exited) {
      const gone = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
      await gone;
      clearTimeout(timer);
    }
    return { ...this.exited, ms: performance.now() - began };
  }
}

function tmuxServerPid(tmux, socket, env) {
  const result = spawnSync(tmux, ['-L', socket, 'display-message', '-p', '#{pid}'], { env, encoding: 'utf8' });
  const out = (result.stdout ?? '').trim();
  return result.status === 0 && /^\d+$/.test(out) ? Number(out) : undefined;
}

function processTable() {
  const rows = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      rows.push({ pid: Number(entry), ppid });
    } catch {
      // gone meanwhile
    }
  }
  return rows;
}

/** Every descendant of pid (not pid itself), from /proc. */
export function descendants(pid) {
  const rows = processTable();
  const found = [];
  const queue = [pid];
  while (queue.length > 0) {
    const parent = queue.shift();
    for (const row of rows) {
      if (row.ppid === parent) {
        found.push(row.pid);
        queue.push(row.pid);
      }
    }
  }
  return found;
}

export function processesMentioning(text) {
  const found = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      if (cmdline.includes(text) && alive(Number(entry))) found.push({ pid: Number(entry), cmdline });
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

export function alive(pid) {
  try {
    return !/\) [ZX] /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

function signal(pid, name) {
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}

function waitGone(pid, ms) {
  const until = Date.now() + ms;
  while (alive(pid) && Date.now() < until) spawnSync('sleep', ['0.02']);
}
