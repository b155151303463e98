/**
 * Notifications: a command the town's or rig's `settings/config.json` names under `notify`, run on supervision and
 * activity events (a polecat restarted, quarantined, waiting for a person, errored, exited). It runs as an argument
 * array, never through a shell; the event reaches it only in environment variables (POLECAT_EVENT, POLECAT_POLECAT,
 * POLECAT_RUN, POLECAT_REASON, ...), so nothing an agent printed is ever parsed as a command. It has a timeout, after
 * which its whole process group is sent SIGTERM, then SIGKILL; its failure is one line for the log and never an error
 * for the supervisor.
 */
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { loadExeca } from '../exec/execa.js';
import { InvalidInputError } from '../town/names.js';
import { readJsonFile } from '../town/settings-file.js';

export const NOTICE_KINDS = ['restarted', 'quarantined', 'waiting', 'errored', 'exited'] as const;
export type NoticeKind = (typeof NOTICE_KINDS)[number];

export const DEFAULT_NOTIFY_TIMEOUT_MS = 10_000;
/** Between the timeout's SIGTERM and the SIGKILL. */
export const NOTIFY_KILL_GRACE_MS = 1_000;
/** How much of the command's stderr (and stdout) is kept to say why it failed. */
export const NOTIFY_OUTPUT_TAIL = 500;

export interface NotifyPolicy {
  /** Program and arguments, run as is (no shell). */
  readonly command: readonly [string, ...string[]];
  readonly events: ReadonlySet<NoticeKind>;
  readonly timeoutMs: number;
}

export interface Notice {
  readonly kind: NoticeKind;
  readonly rig: string;
  readonly name: string;
  readonly townRoot: string;
  /** The run the notice is about (the restart's run, the run whose agent is waiting), when there is one. */
  readonly run?: string;
  /** One line for a person: `exit 1`, `permission (Bash)`, `3 restarts in 600 s`. */
  readonly reason: string;
  /** When it happened (ms since the epoch). */
  readonly at: number;
}

export type NotifyOutcome = { readonly ok: true; readonly skipped?: true } | { readonly ok: false; readonly why: string };

const KEYS = ['command', 'events', 'timeout_s'] as const;

interface Section {
  command?: readonly [string, ...string[]];
  events?: readonly NoticeKind[];
  timeoutMs?: number;
}

function readSection(file: string): Section | undefined {
  const section = readJsonFile(file)?.notify;
  if (section === undefined) return undefined;
  if (typeof section !== 'object' || section === null || Array.isArray(section)) throw new InvalidInputError(`${file}: notify must be an object`);
  const o = section as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!(KEYS as readonly string[]).includes(key)) throw new InvalidInputError(`${file}: notify.${key} is not a setting (${KEYS.join(', ')})`);
  }
  const read: Section = {};
  if (o.command !== undefined) {
    const c = o.command;
    if (!Array.isArray(c) || c.length === 0 || !c.every((part) => typeof part === 'string' && part !== '' && !part.includes('\0'))) {
      throw new InvalidInputError(`${file}: notify.command must be a non-empty array of non-empty strings (a program and its arguments, run without a shell)`);
    }
    read.command = c as unknown as readonly [string, ...string[]];
  }
  if (o.events !== undefined) {
    const e = o.events;
    if (!Array.isArray(e) || !e.every((kind) => typeof kind === 'string' && (NOTICE_KINDS as readonly string[]).includes(kind))) {
      throw new InvalidInputError(`${file}: notify.events must be an array of ${NOTICE_KINDS.join(', ')}`);
    }
    read.events = e as NoticeKind[];
  }
  if (o.timeout_s !== undefined) {
    const t = o.timeout_s;
    if (typeof t !== 'number' || !Number.isFinite(t) || t <= 0) throw new InvalidInputError(`${file}: notify.timeout_s must be a number of seconds, more than 0`);
    read.timeoutMs = t * 1000;
  }
  return read;
}

/**
 * The notification command for a rig's polecats: the town's `notify` with the rig's over it, key by key; undefined
 * when neither file has a `notify` section. A bad value is a one-line InvalidInputError naming the file and the key.
 */
export function notifyPolicy(townRoot: string, rig: string): NotifyPolicy | undefined {
  const townFile = join(townRoot, 'settings', 'config.json');
  const rigFile = join(townRoot, rig, 'settings', 'config.json');
  const town = readSection(townFile);
  const ofRig = readSection(rigFile);
  if (town === undefined && ofRig === undefined) return undefined;
  const merged: Section = { ...town, ...ofRig };
  if (merged.command === undefined) {
    throw new InvalidInputError(`${ofRig !== undefined ? rigFile : townFile}: notify.command is missing (a non-empty array: the program to run and its arguments)`);
  }
  return { command: merged.command, events: new Set(merged.events ?? NOTICE_KINDS), timeoutMs: merged.timeoutMs ?? DEFAULT_NOTIFY_TIMEOUT_MS };
}

/** The variables the command is given, on top of the supervisor's own environment. */
export function noticeEnv(notice: Notice): Record<string, string> {
  // An environment value cannot hold a NUL; everything else arrives as it is.
  const clean = (value: string) => value.replaceAll('\0', '');
  return {
    POLECAT_EVENT: notice.kind,
    POLECAT_POLECAT: clean(`${notice.rig}/${notice.name}`),
    POLECAT_RIG: clean(notice.rig),
    POLECAT_NAME: clean(notice.name),
    POLECAT_RUN: clean(notice.run ?? ''),
    POLECAT_REASON: clean(notice.reason),
    POLECAT_AT: new Date(notice.at).toISOString(),
    POLECAT_TOWN: clean(notice.townRoot),
  };
}

/** The last `max` characters a stream wrote, kept as it goes (never the whole output). */
function keepTail(stream: Readable | null, max: number): () => string {
  let tail = '';
  stream?.setEncoding('utf8');
  stream?.on('data', (chunk: string) => {
    tail = (tail + chunk).slice(-max);
  });
  return () => tail;
}

/** Output as the end of one line. */
function oneLine(text: string): string {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .join(' / ');
}

const seconds = (ms: number) => `${Math.round(ms / 100) / 10} s`;

/**
 * Runs the policy's command for the notice, if the policy wants notices of its kind. Never throws. Resolves when the
 * command has exited and closed its output, or at the latest shortly after the timeout: its process group (it and
 * whatever it started that did not leave the group) is sent SIGTERM at the timeout and SIGKILL after a grace, and a
 * process that escaped the group but still holds its output is no longer waited for.
 */
export async function notify(policy: NotifyPolicy, notice: Notice): Promise<NotifyOutcome> {
  if (!policy.events.has(notice.kind)) return { ok: true, skipped: true };
  const [file, ...args] = policy.command;
  const timeout = policy.timeoutMs;
  const timers: NodeJS.Timeout[] = [];
  try {
    const { execa } = await loadExeca();
    const began = performance.now();
    const child = execa(file, args, {
      env: noticeEnv(notice),
      extendEnv: true,
      stdin: 'ignore',
      stdout: 'pipe',
      stderr: 'pipe',
      buffer: false,
      reject: false,
      // Its own process group, so that the timeout reaches what it started too; nor does a Ctrl-C meant for the
      // supervisor reach it (the supervisor waits for it, bounded by the timeout).
      detached: true,
      timeout,
      forceKillAfterDelay: NOTIFY_KILL_GRACE_MS,
    });
    const stderr = keepTail(child.stderr, NOTIFY_OUTPUT_TAIL);
    const stdout = keepTail(child.stdout, NOTIFY_OUTPUT_TAIL);
    let timedOut = false;
    // Its own exit, not the timeout's kill (which comes no sooner than the timeout).
    let exitedBeforeTimeout = false;
    child.on('exit', () => {
      exitedBeforeTimeout = performance.now() - began < timeout;
    });
    const group = (signal: NodeJS.Signals) => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, signal);
      } catch {
        // the group is gone
      }
    };
    const giveUp = new Promise<'gave-up'>((resolve) => {
      timers.push(
        setTimeout(() => {
          timedOut = true;
          group('SIGTERM');
          timers.push(setTimeout(() => group('SIGKILL'), NOTIFY_KILL_GRACE_MS));
          // Killed, a process that left the group may still hold the output open: stop reading it.
          timers.push(
            setTimeout(() => {
              child.stdout?.destroy();
              child.stderr?.destroy();
              resolve('gave-up');
            }, NOTIFY_KILL_GRACE_MS + 500),
          );
        }, timeout),
      );
    });
    const result = await Promise.race([child, giveUp]);
    if (result === 'gave-up') {
      void child.catch(() => undefined);
      return { ok: false, why: `timed out after ${seconds(timeout)} (and something it started kept its output open)` };
    }
    const code = (result as { code?: string }).code;
    if (code === 'ENOENT') return { ok: false, why: `not found: ${file}` };
    if (code === 'EACCES' || code === 'EISDIR' || code === 'ENOEXEC') return { ok: false, why: `cannot run ${file} (${code})` };
    const tail = oneLine(stderr()) || oneLine(stdout());
    const said = tail === '' ? '' : `: ${tail}`;
    if (result.timedOut || timedOut) {
      const exited = exitedBeforeTimeout ? ` (it exited${result.exitCode !== undefined ? ` ${result.exitCode}` : ''}, but what it started kept its output open and was killed)` : '';
      return { ok: false, why: `timed out after ${seconds(timeout)}${exited}${said}` };
    }
    if (result.exitCode === 0) return { ok: true };
    if (result.exitCode !== undefined) return { ok: false, why: `exited ${result.exitCode}${said}` };
    if (result.signal !== undefined) return { ok: false, why: `killed by ${result.signal}${said}` };
    return { ok: false, why: oneLine(result.shortMessage ?? 'failed') };
  } catch (error) {
    return { ok: false, why: oneLine(error instanceof Error ? error.message : String(error)) };
  } finally {
    for (const timer of timers) clearTimeout(timer);
  }
}

export interface NotifierOptions {
  /** One line per failed notification. */
  readonly log: (line: string) => void;
  /** The policy for a rig's polecats; by default notifyPolicy(notice.townRoot, rig), read at each notice. */
  readonly policy?: (rig: string, townRoot: string) => NotifyPolicy | undefined;
  /** What runs a notification (tests). */
  readonly run?: (policy: NotifyPolicy, notice: Notice) => Promise<NotifyOutcome>;
}

/**
 * Notifications fired from the supervisor's path without waiting for them: a failure is logged as
 * `notify <kind> <rig/name> failed: <why>`; settled() waits for those still running (each bounded by its timeout).
 */
export class Notifier {
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly options: NotifierOptions) {}

  fire(notice: Notice): void {
    const failed = (why: string) => this.options.log(`notify ${notice.kind} ${notice.rig}/${notice.name} failed: ${why}`);
    let policy: NotifyPolicy | undefined;
    try {
      policy = (this.options.policy ?? ((rig, townRoot) => notifyPolicy(townRoot, rig)))(notice.rig, notice.townRoot);
    } catch (error) {
      failed(error instanceof Error ? error.message : String(error));
      return;
    }
    if (policy === undefined || !policy.events.has(notice.kind)) return;
    const run = this.options.run ?? notify;
    const done: Promise<void> = run(policy, notice)
      .then(
        (outcome) => {
          if (!outcome.ok) failed(outcome.why);
        },
        (error: unknown) => failed(error instanceof Error ? error.message : String(error)),
      )
      .finally(() => this.pending.delete(done));
    this.pending.add(done);
  }

  /** How many notifications are still running. */
  get running(): number {
    return this.pending.size;
  }

  /** Resolves once every notification fired so far has ended. */
  async settled(): Promise<void> {
    await Promise.all([...this.pending]);
  }
}
