/**
 * Notifications: the `notify` settings of a town and a rig, and the command run on real processes (sh scripts in a
 * temporary directory): the event in its environment byte for byte, never interpreted; failures as one line; a
 * timeout that kills the command and what it started; a Notifier that never waits in its caller's path.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/town/names.js';
import { DEFAULT_NOTIFY_TIMEOUT_MS, NOTICE_KINDS, notify, Notifier, notifyPolicy, noticeEnv, type Notice, type NotifyPolicy } from '../../src/supervise/notify.js';
import { testTmpDir } from '../helpers/tmux-guard.js';

const dir = () => mkdtempSync(join(testTmpDir, 'notify-'));

/** An executable sh script in its own directory. */
function script(body: string): { path: string; dir: string } {
  const d = dir();
  const path = join(d, 'notify.sh');
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return { path, dir: d };
}

/** A script that writes its whole environment, as the kernel gave it, to $1 (NUL-separated), and $2 to $1.arg. */
const ENV_DUMP = 'cat /proc/$$/environ > "$1"\nprintf "%s" "$2" > "$1.arg"';

function readEnv(file: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const entry of readFileSync(file, 'utf8').split('\0')) {
    if (entry === '') continue;
    const eq = entry.indexOf('=');
    env[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return env;
}

const policy = (command: readonly string[], over: Partial<NotifyPolicy> = {}): NotifyPolicy => ({
  command: command as [string, ...string[]],
  events: new Set(NOTICE_KINDS),
  timeoutMs: 5_000,
  ...over,
});

const notice = (over: Partial<Notice> = {}): Notice => ({
  kind: 'restarted',
  rig: 'gastown',
  name: 'Toast',
  townRoot: '/towns/main',
  run: 'run-42',
  reason: 'exit 1',
  at: Date.parse('2026-12-01T10:00:00.000Z'),
  ...over,
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie is not running: it only waits to be reaped.
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

async function goneSoon(pid: number): Promise<boolean> {
  for (let i = 0; i < 20 && alive(pid); i++) await sleep(50);
  return !alive(pid);
}

describe('notify: the command', () => {
  it('gets the event in its environment, on top of the supervisor’s own', async () => {
    const { path, dir: d } = script(ENV_DUMP);
    const out = join(d, 'env');
    expect(await notify(policy([path, out]), notice())).toEqual({ ok: true });
    const env = readEnv(out);
    expect(env).toMatchObject({
      POLECAT_EVENT: 'restarted',
      POLECAT_POLECAT: 'gastown/Toast',
      POLECAT_RIG: 'gastown',
      POLECAT_NAME: 'Toast',
      POLECAT_RUN: 'run-42',
      POLECAT_REASON: 'exit 1',
      POLECAT_AT: '2026-12-01T10:00:00.000Z',
      POLECAT_TOWN: '/towns/main',
    });
    expect(env.PATH).toBe(process.env.PATH);
    expect(env.HOME).toBe(process.env.HOME);
  });

  it('gets POLECAT_RUN empty when the notice is of no run', async () => {
    const { path, dir: d } = script(ENV_DUMP);
    const { run: _run, ...noRun } = notice({ kind: 'quarantined', reason: '5 restarts in 600 s' });
    expect(await notify(policy([path, join(d, 'env')]), noRun)).toEqual({ ok: true });
    const env = readEnv(join(d, 'env'));
    expect(env.POLECAT_RUN).toBe('');
    expect(env.POLECAT_EVENT).toBe('quarantined');
  });

  it('gets event data and its own arguments byte for byte, never interpreted by a shell', async () => {
    const { path, dir: d } = script(ENV_DUMP);
    const pwned = join(d, 'pwned');
    const reason = `it's "quoted" $(touch ${pwned}) \`touch ${pwned}2\` ; touch ${pwned}3 && echo $HOME\nsecond line\twith  spaces  \n`;
    const argument = `an arg with spaces $(touch ${pwned}4) 'and' "quotes"`;
    const out = join(d, 'env');
    expect(await notify(policy([path, out, argument]), notice({ kind: 'waiting', reason, run: 'run $(id) "x"' }))).toEqual({ ok: true });
    const env = readEnv(out);
    expect(env.POLECAT_REASON).toBe(reason);
    expect(env.POLECAT_RUN).toBe('run $(id) "x"');
    expect(readFileSync(`${out}.arg`, 'utf8')).toBe(argument);
    for (const suffix of ['', '2', '3', '4']) expect(existsSync(`${pwned}${suffix}`)).toBe(false);
  });

  it('drops a NUL, which no environment value can hold', () => {
    expect(noticeEnv(notice({ reason: 'a\0b' })).POLECAT_REASON).toBe('ab');
  });

  it('fails as one line with the exit status and the end of what it wrote to stderr', async () => {
    const { path } = script('echo "first line" >&2\necho "webhook said 502" >&2\necho on stdout\nexit 3');
    expect(await notify(policy([path]), notice())).toEqual({ ok: false, why: 'exited 3: first line / webhook said 502' });
  });

  it('says what it printed on stdout when it said nothing on stderr', async () => {
    const { path } = script('echo "curl: (22) 404"\nexit 22');
    expect(await notify(policy([path]), notice())).toEqual({ ok: false, why: 'exited 22: curl: (22) 404' });
  });

  it('keeps only the end of a long error output', async () => {
    const { path } = script('i=0\nwhile [ $i -lt 2000 ]; do echo "noise $i" >&2; i=$((i+1)); done\necho "the end" >&2\nexit 1');
    const outcome = await notify(policy([path]), notice());
    expect(outcome.ok).toBe(false);
    const why = outcome.ok ? '' : outcome.why;
    expect(why.startsWith('exited 1: ')).toBe(true);
    expect(why.endsWith('noise 1999 / the end')).toBe(true);
    expect(why.length).toBeLessThan(600);
    expect(why).not.toContain('\n');
  });

  it('fails as “not found” for a program that is not there, by path or on PATH', async () => {
    expect(await notify(policy(['/nonexistent/polecat-notify']), notice())).toEqual({ ok: false, why: 'not found: /nonexistent/polecat-notify' });
    expect(await notify(policy(['polecat-no-such-notifier', '--flag']), notice())).toEqual({ ok: false, why: 'not found: polecat-no-such-notifier' });
  });

  it('fails for a file that cannot be run', async () => {
    const d = dir();
    writeFileSync(join(d, 'plain.txt'), 'not a program');
    const outcome = await notify(policy([join(d, 'plain.txt')]), notice());
    expect(outcome).toEqual({ ok: false, why: `cannot run ${join(d, 'plain.txt')} (EACCES)` });
  });

  it('runs nothing for a kind the policy does not want', async () => {
    const { path, dir: d } = script(ENV_DUMP);
    const only = policy([path, join(d, 'env')], { events: new Set(['quarantined', 'exited']) });
    expect(await notify(only, notice({ kind: 'waiting' }))).toEqual({ ok: true, skipped: true });
    expect(await notify(only, notice({ kind: 'restarted' }))).toEqual({ ok: true, skipped: true });
    expect(existsSync(join(d, 'env'))).toBe(false);
    expect(await notify(only, notice({ kind: 'exited' }))).toEqual({ ok: true });
    expect(readEnv(join(d, 'env')).POLECAT_EVENT).toBe('exited');
  });
});

describe('notify: the timeout', () => {
  it('kills a command that runs too long, and the child it started', async () => {
    const { path, dir: d } = script('sleep 30 &\necho $! > "$1"\necho $$ > "$1.self"\nwait');
    const pids = join(d, 'pids');
    const began = Date.now();
    const outcome = await notify(policy([path, pids], { timeoutMs: 500 }), notice());
    const took = Date.now() - began;
    expect(outcome).toEqual({ ok: false, why: 'timed out after 0.5 s' });
    expect(took).toBeGreaterThanOrEqual(450);
    expect(took).toBeLessThan(2_500);
    const child = Number(readFileSync(pids, 'utf8'));
    const self = Number(readFileSync(`${pids}.self`, 'utf8'));
    expect(await goneSoon(self)).toBe(true);
    expect(await goneSoon(child)).toBe(true);
  });

  it('kills with SIGKILL, after a grace, a command that ignores SIGTERM', async () => {
    const { path, dir: d } = script(`trap '' TERM\necho $$ > "$1"\nsleep 30 &\necho $! > "$1.child"\nwait\nsleep 30`);
    const pids = join(d, 'pids');
    const began = Date.now();
    const outcome = await notify(policy([path, pids], { timeoutMs: 500 }), notice());
    expect(Date.now() - began).toBeLessThan(3_000);
    expect(outcome.ok).toBe(false);
    expect(outcome.ok ? '' : outcome.why).toMatch(/^timed out after 0\.5 s/);
    expect(await goneSoon(Number(readFileSync(pids, 'utf8')))).toBe(true);
    expect(await goneSoon(Number(readFileSync(`${pids}.child`, 'utf8')))).toBe(true);
  });

  it('is not held up past the timeout by a child left running with the output open', async () => {
    const { path, dir: d } = script(`sleep 30 &\necho $! > "$1"\necho sent`);
    const pids = join(d, 'pids');
    const began = Date.now();
    const outcome = await notify(policy([path, pids], { timeoutMs: 500 }), notice());
    expect(Date.now() - began).toBeLessThan(2_500);
    expect(outcome).toEqual({ ok: false, why: 'timed out after 0.5 s (it exited 0, but what it started kept its output open and was killed): sent' });
    expect(await goneSoon(Number(readFileSync(pids, 'utf8')))).toBe(true);
  });

  it('gives up shortly after the timeout on a child that left its process group and holds the output', async () => {
    const { path, dir: d } = script(`setsid sh -c 'echo $$ > "$0"; exec sleep 30' "$1" &\nwait`);
    const pids = join(d, 'pids');
    const began = Date.now();
    try {
      const outcome = await notify(policy([path, pids], { timeoutMs: 500 }), notice());
      expect(Date.now() - began).toBeLessThan(3_500);
      expect(outcome.ok).toBe(false);
      expect(outcome.ok ? '' : outcome.why).toMatch(/^timed out after 0\.5 s/);
    } finally {
      // It escaped the kill, as a daemon would: the test ends it.
      for (let i = 0; i < 20 && !existsSync(pids); i++) await sleep(50);
      if (existsSync(pids)) process.kill(Number(readFileSync(pids, 'utf8')), 'SIGKILL');
    }
  });

  it('is 10 s unless said', () => {
    expect(DEFAULT_NOTIFY_TIMEOUT_MS).toBe(10_000);
  });
});

describe('Notifier', () => {
  it('does not wait in its caller’s path; logs a failure as one line; settled waits for what runs', async () => {
    const { path, dir: d } = script('sleep 0.3\necho "no route to host" >&2\nexit 7');
    const lines: string[] = [];
    const notifier = new Notifier({ log: (line) => lines.push(line), policy: () => policy([path]) });
    const began = Date.now();
    notifier.fire(notice({ kind: 'quarantined' }));
    notifier.fire(notice({ kind: 'exited', name: 'Nux' }));
    expect(Date.now() - began).toBeLessThan(200);
    expect(notifier.running).toBe(2);
    expect(lines).toEqual([]);
    await notifier.settled();
    expect(notifier.running).toBe(0);
    expect(lines.sort()).toEqual(['notify exited gastown/Nux failed: exited 7: no route to host', 'notify quarantined gastown/Toast failed: exited 7: no route to host']);
    expect(existsSync(d)).toBe(true);
  });

  it('logs nothing for a notification that worked, and runs none for a kind not wanted or a rig without a command', async () => {
    const { path, dir: d } = script('echo "$POLECAT_EVENT $POLECAT_POLECAT" >> "$1"');
    const out = join(d, 'fired');
    const lines: string[] = [];
    const notifier = new Notifier({
      log: (line) => lines.push(line),
      policy: (rig) => (rig === 'gastown' ? policy([path, out], { events: new Set(['restarted']) }) : undefined),
    });
    notifier.fire(notice({ kind: 'restarted' }));
    notifier.fire(notice({ kind: 'waiting' }));
    notifier.fire(notice({ kind: 'restarted', rig: 'beads' }));
    expect(notifier.running).toBe(1);
    await notifier.settled();
    expect(lines).toEqual([]);
    expect(readFileSync(out, 'utf8')).toBe('restarted gastown/Toast\n');
  });

  it('reads the rig’s policy from its settings by default, and logs a bad one instead of throwing', async () => {
    const town = dir();
    const { path, dir: d } = script('echo "$POLECAT_REASON" > "$1"');
    mkdirSync(join(town, 'settings'));
    writeFileSync(join(town, 'settings', 'config.json'), JSON.stringify({ notify: { command: [path, join(d, 'out')] } }));
    mkdirSync(join(town, 'broken', 'settings'), { recursive: true });
    writeFileSync(join(town, 'broken', 'settings', 'config.json'), JSON.stringify({ notify: { timeout_s: -1 } }));
    const lines: string[] = [];
    const notifier = new Notifier({ log: (line) => lines.push(line) });
    notifier.fire(notice({ townRoot: town, reason: 'permission (Bash)', kind: 'waiting' }));
    notifier.fire(notice({ townRoot: town, rig: 'broken' }));
    await notifier.settled();
    expect(readFileSync(join(d, 'out'), 'utf8')).toBe('permission (Bash)\n');
    expect(lines).toEqual([`notify restarted broken/Toast failed: ${join(town, 'broken', 'settings', 'config.json')}: notify.timeout_s must be a number of seconds, more than 0`]);
  });

  it('settles at once with nothing running, and a run that rejects is logged, not thrown', async () => {
    const lines: string[] = [];
    const notifier = new Notifier({ log: (line) => lines.push(line), policy: () => policy(['x']), run: () => Promise.reject(new Error('boom')) });
    await notifier.settled();
    notifier.fire(notice());
    await notifier.settled();
    expect(lines).toEqual(['notify restarted gastown/Toast failed: boom']);
  });
});

describe('notifyPolicy', () => {
  function town(townNotify?: unknown, rigNotify?: unknown): string {
    const root = dir();
    if (townNotify !== undefined) {
      mkdirSync(join(root, 'settings'));
      writeFileSync(join(root, 'settings', 'config.json'), JSON.stringify({ supervision: { max_restarts: 3 }, notify: townNotify }));
    }
    if (rigNotify !== undefined) {
      mkdirSync(join(root, 'gastown', 'settings'), { recursive: true });
      writeFileSync(join(root, 'gastown', 'settings', 'config.json'), JSON.stringify({ notify: rigNotify }));
    }
    return root;
  }

  function refusal(root: string): string {
    try {
      notifyPolicy(root, 'gastown');
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidInputError);
      const message = (error as Error).message;
      expect(message).not.toContain('\n');
      return message;
    }
    throw new Error('expected InvalidInputError, got none');
  }

  it('is none when neither the town nor the rig says', () => {
    expect(notifyPolicy(dir(), 'gastown')).toBeUndefined();
    const root = dir();
    mkdirSync(join(root, 'settings'));
    writeFileSync(join(root, 'settings', 'config.json'), JSON.stringify({ supervision: {} }));
    expect(notifyPolicy(root, 'gastown')).toBeUndefined();
  });

  it('is every kind with a 10 s timeout unless said', () => {
    expect(notifyPolicy(town({ command: ['notify-send', 'polecat'] }), 'gastown')).toEqual({
      command: ['notify-send', 'polecat'],
      events: new Set(NOTICE_KINDS),
      timeoutMs: 10_000,
    });
  });

  it('takes the rig’s keys over the town’s, one by one', () => {
    const root = town({ command: ['town-notifier'], timeout_s: 2.5, events: ['restarted'] }, { events: ['waiting', 'exited'] });
    expect(notifyPolicy(root, 'gastown')).toEqual({ command: ['town-notifier'], events: new Set(['waiting', 'exited']), timeoutMs: 2_500 });
    expect(notifyPolicy(root, 'other')).toEqual({ command: ['town-notifier'], events: new Set(['restarted']), timeoutMs: 2_500 });
    const rigCommand = town({ command: ['town-notifier'] }, { command: ['rig-notifier', '--loud'] });
    expect(notifyPolicy(rigCommand, 'gastown')?.command).toEqual(['rig-notifier', '--loud']);
    expect(notifyPolicy(town(undefined, { command: ['rig-only'] }), 'gastown')?.command).toEqual(['rig-only']);
  });

  it('lets a rig turn off what the town sends with an empty events list', () => {
    expect(notifyPolicy(town({ command: ['x'] }, { events: [] }), 'gastown')?.events.size).toBe(0);
  });

  it('refuses each bad value in one line naming the file and the key', () => {
    const townFile = (root: string) => join(root, 'settings', 'config.json');
    const rigFile = (root: string) => join(root, 'gastown', 'settings', 'config.json');
    const cases: Array<[unknown, string]> = [
      ['notify-send hi', 'notify must be an object'],
      [['notify-send'], 'notify must be an object'],
      [{}, 'notify.command is missing'],
      [{ command: [] }, 'notify.command must be a non-empty array of non-empty strings'],
      [{ command: 'notify-send "$POLECAT_REASON"' }, 'notify.command must be a non-empty array of non-empty strings'],
      [{ command: ['notify-send', ''] }, 'notify.command must be a non-empty array of non-empty strings'],
      [{ command: ['notify-send', 3] }, 'notify.command must be a non-empty array of non-empty strings'],
      [{ command: ['x'], events: 'exited' }, 'notify.events must be an array of restarted, quarantined, waiting, errored, exited'],
      [{ command: ['x'], events: ['exited', 'crashed'] }, 'notify.events must be an array of'],
      [{ command: ['x'], timeout_s: 0 }, 'notify.timeout_s must be a number of seconds, more than 0'],
      [{ command: ['x'], timeout_s: -1 }, 'notify.timeout_s must be a number of seconds, more than 0'],
      [{ command: ['x'], timeout_s: '10' }, 'notify.timeout_s must be a number of seconds, more than 0'],
      [{ command: ['x'], timeout: 10 }, 'notify.timeout is not a setting (command, events, timeout_s)'],
    ];
    for (const [value, said] of cases) {
      const inTown = town(value);
      expect(refusal(inTown)).toContain(`${townFile(inTown)}: ${said}`);
      const inRig = town({ command: ['fine'] }, value);
      // The rig's section may leave the command to the town's: only the rig's own bad values are its refusal.
      if (said === 'notify.command is missing') expect(notifyPolicy(inRig, 'gastown')?.command).toEqual(['fine']);
      else expect(refusal(inRig)).toContain(`${rigFile(inRig)}: ${said}`);
    }
  });

  it('names the rig’s file when neither gives a command', () => {
    const root = town(undefined, { events: ['exited'] });
    expect(refusal(root)).toBe(`${join(root, 'gastown', 'settings', 'config.json')}: notify.command is missing (a non-empty array: the program to run and its arguments)`);
  });

  it('refuses a settings file that is not JSON', () => {
    const root = dir();
    mkdirSync(join(root, 'settings'));
    writeFileSync(join(root, 'settings', 'config.json'), '{"notify": ');
    expect(refusal(root)).toMatch(/config\.json: not valid JSON/);
  });
});
