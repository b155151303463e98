// `npm run bench`'s supervisor figures (issue 14): N polecats put up with `polecat up`, then
//   9. one supervision pass (Supervisor.pass() from dist, in a process of its own) against one `tmux list-panes -a`,
//      interleaved, and the tmux processes of a pass, counted through scripts/bench/counting-bin;
//  10. `polecat supervise` in the foreground, idle with the N polecats running: its CPU and memory from /proc over a
//      window, beside a floor (scripts/bench/idle-floor.js: node and one list-panes a second) sampled in the same window;
//  11. then agents killed (SIGKILL) one at a time: from the kill to the supervisor's `restart begun` line, minus the
//      backoff (supervision.backoff_min_s in the town's settings/config.json).
// The supervisor is stopped with SIGTERM at the end (lab.cleanup does it too when the bench fails or is interrupted).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, MeasurementError, RIG, root } from './lab.js';
import { round, summary } from './report.js';

/** A polecat taken under supervision, afresh or carrying on from what an earlier supervisor of the town kept. */
const SUPERVISED = /: supervised( \(carrying on: .*\))?$/;

/** The backoff of every restart measured: 0 s, so the figure is detection and planning (the first backoff is the minimum). */
export const BACKOFF_MIN_S = 0;
/** After the supervisor's first pass, before the idle window: its start-up (loading, first pass, JIT) is not idleness. */
const SETTLE_MS = 2_000;
const passScript = join(root, 'scripts', 'bench', 'supervise-pass.js');
const idleFloorScript = join(root, 'scripts', 'bench', 'idle-floor.js');

const CLK_TCK = (() => {
  const got = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim());
  return Number.isFinite(got) && got > 0 ? got : 100;
})();

/** A process's CPU so far (seconds: its own, and its reaped children's) and memory (kB), from /proc. */
function sample(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]);
  return { at: performance.now(), cpu: (Number(f[11]) + Number(f[12])) / CLK_TCK, children: (Number(f[13]) + Number(f[14])) / CLK_TCK, rssKb: kb('VmRSS'), hwmKb: kb('VmHWM') };
}

const percent = (a, b) => round((100 * (b.cpu - a.cpu)) / ((b.at - a.at) / 1000), 2);
const percentWithChildren = (a, b) => round((100 * (b.cpu + b.children - a.cpu - a.children)) / ((b.at - a.at) / 1000), 2);
const mb = (kb) => round(kb / 1024, 1);

/** The ISO time a supervisor line starts with, as ms since the epoch. */
const lineTime = (text) => Date.parse(text.slice(0, text.indexOf(' ')));

export async function measureSupervisor({ lab, plan, progress, names, addresses, simAgent, text, breakdown }) {
  const count = plan.supervised;
  const list = names(count);
  const space = lab.space(`supervise${count}`, list);
  mkdirSync(join(space.town, 'settings'), { recursive: true });
  writeFileSync(join(space.town, 'settings', 'config.json'), `${JSON.stringify({ supervision: { backoff_min_s: BACKOFF_MIN_S } })}\n`);
  progress(`9-11. supervisor: putting ${count} polecats up`);
  const parallel = Math.min(count, 10);
  const { result } = await lab.polecat(space, ['up', ...addresses(list), '--agent', simAgent(space), '--prompt', text, '--parallel', String(parallel)]);
  if (!new RegExp(`\\b${count} started, 0 failed`).test(result.stdout)) throw new MeasurementError(`polecat up of ${count} polecats did not start them all:\n${result.stdout}`);
  lab.expectDelivered(space, text, count, `polecat up of ${count} polecats`);

  const pass = await measurePass(lab, plan, progress, space, count, breakdown);

  progress(`10. polecat supervise idle with ${count} polecats (${plan.idleSeconds} s window, beside its floor)`);
  const supervisor = lab.daemon(space, 'polecat supervise', process.execPath, [cli, 'supervise', '--town', space.town, '--socket', space.socket]);
  const startedAt = performance.now();
  let stopped;
  try {
    await supervisor.until((lines) => (lines.filter((l) => SUPERVISED.test(l.text)).length >= count ? true : undefined), 60_000, `${count} "supervised" lines`);
    const firstPassDoneMs = performance.now() - startedAt;
    const idle = await measureIdle(lab, plan, space, supervisor);
    const deaths = await measureDeaths(lab, plan, progress, space, supervisor);
    const afterDeaths = sample(supervisor.pid);
    stopped = await supervisor.stop();
    if (stopped.code !== 143) throw new MeasurementError(`polecat supervise exited ${stopped.code ?? stopped.signal} at SIGTERM, expected 143:\n${supervisor.tail()}`);
    if (!supervisor.lines.some((l) => l.text.endsWith('supervisor stopped; every polecat left as it is'))) throw new MeasurementError(`polecat supervise did not say it stopped:\n${supervisor.tail()}`);
    const failedPasses = supervisor.lines.filter((l) => /  pass failed: /.test(l.text)).map((l) => l.text);
    return {
      polecats: count,
      upParallel: parallel,
      backoffMinS: BACKOFF_MIN_S,
      pass,
      supervise: {
        firstPassDoneMs: round(firstPassDoneMs),
        idle,
        deaths,
        memoryAfterDeaths: { rssMb: mb(afterDeaths.rssKb), hwmMb: mb(afterDeaths.hwmKb) },
        stop: { exit: stopped.code ?? stopped.signal, ms: round(stopped.ms) },
        failedPasses,
        log: supervisor.lines.map((l) => l.text),
      },
    };
  } finally {
    if (!stopped) await supervisor.stop();
    lab.killSpace(space);
  }
}

// --- 9. one pass -------------------------------------------------------------------------------------------------

async function measurePass(lab, plan, progress, space, count, breakdown) {
  progress(`9. supervision pass over ${count} polecats (${plan.passReps} reps, pass and floor interleaved; ${plan.passCountReps} counted)`);
  const run = async (reps, counting) => {
    const what = `supervise-pass.js${counting ? ' (counting)' : ''}`;
    const { result } = await lab.runOk(space, what, process.execPath, [passScript, JSON.stringify({ town: space.town, socket: space.socket, reps, counting })], { counting });
    const out = JSON.parse(result.stdout);
    if (out.supervised !== count) throw new MeasurementError(`${what}: its first pass supervised ${out.supervised} polecats, expected ${count}:\n${out.log.join('\n')}`);
    // The counted run's supervisor carries on from what the timed one kept: that is still only watching.
    const trouble = out.log.filter((line) => !/: supervised( \(carrying on: 0 restarts in the window\))?$/.test(line));
    if (trouble.length > 0) throw new MeasurementError(`${what}: the supervisor did more than watch:\n${trouble.join('\n')}`);
    return out;
  };
  const timed = await run(plan.passReps, false);
  if (timed.floorRows !== count) throw new MeasurementError(`the floor's tmux list-panes showed ${timed.floorRows} agent panes, expected ${count}`);
  const counted = await run(plan.passCountReps, true);
  const perPass = counted.passes.map((p) => breakdown(p.calls));
  const processes = summary(perPass.map((b) => b.processes));
  const medianRun = perPass.reduce((best, b) => (Math.abs(b.processes - processes.median) < Math.abs(best.processes - processes.median) ? b : best));
  return {
    reps: plan.passReps,
    pass: summary(timed.passes.map((p) => p.ms)),
    floor: summary(timed.floor),
    // CPU time of the measuring process itself (process.cpuUsage), not of tmux
    passCpuMs: summary(timed.passes.map((p) => p.cpuMs)),
    floorCpuMs: summary(timed.floorCpuMs),
    firstPassMs: round(timed.first.ms),
    parts: { listDesired: summary(timed.parts.listDesired), list: summary(timed.parts.list) },
    tmuxProcesses: { ...processes, medianRun, firstPass: breakdown(counted.first.calls), runs: perPass },
    // polecat's own count of the tmux processes it spawned (src/tmux/run.ts), in the timed passes
    tmuxSpawnCount: summary(timed.passes.map((p) => p.spawns)),
  };
}

// --- 10. idle ----------------------------------------------------------------------------------------------------

async function measureIdle(lab, plan, space, supervisor) {
  const floor = lab.daemon(space, 'idle-floor.js', process.execPath, [idleFloorScript, space.socket]);
  try {
    await floor.waitFor(/^ready$/, { timeoutMs: 30_000 });
    await lab.sleep(SETTLE_MS);
    const from = supervisor.lines.length;
    const pids = { supervisor: supervisor.pid, floor: floor.pid };
    const first = { supervisor: sample(pids.supervisor), floor: sample(pids.floor) };
    const seconds = { supervisor: [], floor: [] };
    let last = first;
    for (let s = 0; s < plan.idleSeconds; s++) {
      await lab.sleep(1_000);
      const now = { supervisor: sample(pids.supervisor), floor: sample(pids.floor) };
      for (const who of ['supervisor', 'floor']) seconds[who].push(percent(last[who], now[who]));
      last = now;
    }
    const figures = (who) => ({
      cpuPercent: percent(first[who], last[who]),
      cpuPercentWithChildren: percentWithChildren(first[who], last[who]),
      cpuPercentPerSecond: summary(seconds[who]),
      rssMb: mb(last[who].rssKb),
      hwmMb: mb(last[who].hwmKb),
    });
    // Nothing dies in the window: any line the supervisor printed meanwhile is worth seeing.
    const printed = supervisor.lines.slice(from).map((l) => l.text);
    return { seconds: round((last.supervisor.at - first.supervisor.at) / 1000, 2), settledMs: SETTLE_MS, clkTck: CLK_TCK, supervisor: figures('supervisor'), floor: figures('floor'), printedMeanwhile: printed };
  } finally {
    await floor.stop();
  }
}

// --- 11. a death to its restart ----------------------------------------------------------------------------------

async function measureDeaths(lab, plan, progress, space, supervisor) {
  const reps = plan.deathReps;
  progress(`11. agent killed → restart begun (${reps} reps, every other one the polecat just restarted, backoff_min_s ${BACKOFF_MIN_S})`);
  const { SUPERVISOR_PASS_MS } = await import(join(root, 'dist', 'src', 'supervise', 'supervisor.js'));
  const samples = [];
  // A kill wakes the supervisor through its look for the agents' processes (every AGENT_LOOK_MS), not only its
  // fallback pass every SUPERVISOR_PASS_MS; each rep still kills at a point of its own slice of that period after a
  // pass, so that a death left to the fallback would show in the spread.
  let passAt = lineTime(supervisor.lines.find((l) => SUPERVISED.test(l.text)).text);
  for (let rep = 0; rep < reps; rep++) {
    // Every other rep kills the agent the last rep's restart started: a restarted agent must be watched as closely.
    const key = `${RIG}/p${rep - (rep % 2) + 1}`;
    const before = JSON.parse((await lab.polecat(space, ['status', key, '--json'])).result.stdout);
    if (!before.running || !before.agentPid) throw new MeasurementError(`polecat status ${key} before its kill: not running (${before.health})`);
    const phaseMs = ((rep + Math.random()) / reps) * SUPERVISOR_PASS_MS;
    const soon = Date.now() + 50;
    const killAt = passAt + Math.ceil((soon - passAt - phaseMs) / SUPERVISOR_PASS_MS) * SUPERVISOR_PASS_MS + phaseMs;
    await lab.sleep(Math.max(0, killAt - Date.now()));
    const from = supervisor.lines.length;
    const killedAt = Date.now();
    process.kill(before.agentPid, 'SIGKILL');
    const gone = await supervisor.waitFor(new RegExp(`^\\S+  ${key}: (agent gone|not running)`), { from, timeoutMs: 15_000 });
    const backoff = await supervisor.waitFor(new RegExp(`^\\S+  ${key}: backoff ([\\d.]+) s`), { from, timeoutMs: 15_000 });
    const begun = await supervisor.waitFor(new RegExp(`^\\S+  ${key}: restart begun: run (\\S+)`), { from, timeoutMs: 15_000 });
    const ended = await supervisor.waitFor(new RegExp(`^\\S+  ${key}: run ${begun.match[1]} (.*)$`), { from, timeoutMs: 60_000 });
    if (ended.match[1] !== 'running') throw new MeasurementError(`the restart of ${key} ended ${ended.match[1]}`);
    const backoffMs = Number(backoff.match[1]) * 1000;
    passAt = lineTime(gone.text);
    const after = JSON.parse((await lab.polecat(space, ['status', key, '--json'])).result.stdout);
    if (!after.running || after.agentPid === before.agentPid || after.run !== begun.match[1]) throw new MeasurementError(`polecat status ${key} after its restart: ${JSON.stringify(after)}`);
    samples.push({
      polecat: key,
      phaseMs: round(killedAt - killAt + phaseMs),
      backoffMs,
      goneMs: lineTime(gone.text) - killedAt,
      begunMs: lineTime(begun.text) - killedAt - backoffMs,
      // when the line reached the bench, as a check on the supervisor's own timestamps
      begunSeenMs: begun.at - killedAt - backoffMs,
      runningMs: lineTime(ended.text) - killedAt - backoffMs,
    });
  }
  const of = (field) => summary(samples.map((s) => s[field]));
  return { reps, passMs: SUPERVISOR_PASS_MS, gone: of('goneMs'), begun: of('begunMs'), begunSeen: of('begunSeenMs'), running: of('runningMs'), samples };
}
