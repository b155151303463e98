#!/usr/bin/env node
// npm run bench [-- --quick] [-- --out FILE]: how fast polecat is, each figure measured beside its floor in the same
// run (interleaved, several repetitions, medians), so that a noisy machine still gives a fair ratio. Prints a table
// and writes everything (every sample, the machine) as JSON. A measurement, not a test: a missed target still exits
// 0; a measurement that failed (a start that did not reach running, ...) exits 1; Ctrl-C exits 130. Everything runs
// on private tmux servers in a temp dir, through the built CLI as a user runs it, and is killed and removed at the end.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { alive, cli, Lab, MeasurementError, RIG, root, simScript } from './bench/lab.js';
import { ms, round, summary, table, times } from './bench/report.js';
import { measureSupervisor } from './bench/supervise.js';

const USAGE = `usage: npm run bench [-- --quick] [-- --out FILE]
  --quick       fewer repetitions, concurrency up to 10, list/status and the supervisor with 10 sessions (a smoke run)
  --out FILE    where the JSON goes (default: bench-results.json in the repo root)`;

function parseArgs(argv) {
  const options = { quick: false, out: resolve(root, 'bench-results.json') };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--quick') options.quick = true;
    else if (arg === '--out' && argv[i + 1] !== undefined) options.out = resolve(argv[++i]);
    else if (arg.startsWith('--out=')) options.out = resolve(arg.slice('--out='.length));
    else if (arg === '--help' || arg === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else {
      console.error(`bench: unknown argument ${arg}\n${USAGE}`);
      process.exit(2);
    }
  }
  return options;
}

const options = parseArgs(process.argv.slice(2));
const plan = options.quick
  ? { singleReps: 3, concurrencyReps: 1, counts: [1, 10], listSessions: 10, countReps: 2, supervised: 10, passReps: 10, passCountReps: 3, idleSeconds: 5, deathReps: 4 }
  : { singleReps: 7, concurrencyReps: 3, counts: [1, 10, 50], listSessions: 50, countReps: 3, supervised: 50, passReps: 30, passCountReps: 5, idleSeconds: 10, deathReps: 10 };
const TEXT = 'bench: read the README and say hello';
const POLL_MS = 50; // polecat's pollMs (src/steps/deps.ts); the floor script polls as often
const KILL_GRACE_MS = 2_000; // polecat stop's default kill grace (stop --help: kill=2)
const LIST_START_BATCH = 10; // sessions started at once for list/status when there is no multi-start

const lab = new Lab();
let interrupted;
for (const name of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(name, () => {
    if (interrupted) {
      lab.cleanup();
      process.exit(130);
    }
    interrupted = name;
    console.error(`\nbench: ${name}, stopping and cleaning up (again to quit at once)`);
    lab.abort.abort();
  });
}
process.on('exit', () => lab.cleanup());

const progress = (text) => process.stderr.write(`${text}\n`);
const names = (count) => Array.from({ length: count }, (_, i) => `p${i + 1}`);
const addresses = (list) => list.map((name) => `${RIG}/${name}`);
const simAgent = (space, extra = []) => ['sim', ...extra, '--log', space.log].join(' ');

/** Polecat first on even repetitions, the floor first on odd ones, so drift in the machine's load hits both alike. */
async function interleaved(reps, measures, { warmUp = false } = {}) {
  const samples = measures.map(() => []);
  for (let rep = warmUp ? -1 : 0; rep < reps; rep++) {
    const order = measures.map((_, i) => i);
    if (rep % 2 !== 0) order.reverse();
    for (const i of order) {
      const value = await measures[i](rep);
      if (rep >= 0) samples[i].push(value);
    }
  }
  return samples;
}

// --- 1. one start against the floor script -----------------------------------------------------------------------

async function startPolecat(space, list, { counting = false, multi = false } = {}) {
  const common = ['--agent', simAgent(space), '--prompt', TEXT];
  if (multi) {
    const { result } = await lab.polecat(space, ['start', ...addresses(list), '--parallel', String(list.length), ...common], { counting });
    return [result];
  }
  if (list.length === 1) {
    const { result } = await lab.polecat(space, ['start', `${RIG}/${list[0]}`, ...common], { counting });
    return [result];
  }
  const settled = await Promise.allSettled(list.map((name) => lab.polecat(space, ['start', `${RIG}/${name}`, ...common])));
  const failed = settled.find((s) => s.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((s) => s.value.result);
}

async function timedStart(label, list, multi) {
  const space = lab.space(label, list);
  const started = performance.now();
  const results = await startPolecat(space, list, { multi });
  const wall = performance.now() - started;
  for (const result of results) {
    if (!/running/.test(result.stdout)) throw new MeasurementError(`polecat start (${label}) exited 0 without saying running:\n${result.stdout}`);
  }
  lab.expectDelivered(space, TEXT, list.length, `polecat start (${label})`);
  lab.killSpace(space);
  return wall;
}

async function timedFloor(label, list) {
  const space = lab.space(label, list);
  const started = performance.now();
  const settled = await Promise.allSettled(list.map((name) => lab.floor(space, name, TEXT)));
  const wall = performance.now() - started;
  const failed = settled.find((s) => s.status === 'rejected');
  if (failed) throw failed.reason;
  lab.expectDelivered(space, TEXT, list.length, `floor (${label})`);
  lab.killSpace(space);
  return wall;
}

async function measureStart() {
  progress(`1. one start vs the floor script (${plan.singleReps} reps + warm-up)`);
  const [polecat, floor] = await interleaved(plan.singleReps, [() => timedStart('start', ['p1'], false), () => timedFloor('start-floor', ['p1'])], {
    warmUp: true,
  });
  return { polecat: summary(polecat), floor: summary(floor) };
}

// --- 13. a start's memory --------------------------------------------------------------------------------------------

async function measureStartMemory() {
  progress(`13. peak RSS of a start's CLI process (${plan.singleReps} reps)`);
  const samples = [];
  for (let rep = 0; rep < plan.singleReps; rep++) {
    const space = lab.space('start-memory');
    const { result, peakMb } = await lab.polecatMemory(space, ['start', `${RIG}/p1`, '--agent', simAgent(space), '--prompt', TEXT]);
    if (!/running/.test(result.stdout)) throw new MeasurementError(`polecat start (memory) exited 0 without saying running:\n${result.stdout}`);
    samples.push(peakMb);
    lab.killSpace(space);
  }
  return summary(samples);
}

// --- 12. a start in a town with many run records -----------------------------------------------------------------

const MANY_RUNS = 5_000;

/** Finished start records, as a town that has run for a while holds them (their input about a record's size). */
function seedRuns(space, count) {
  const runs = join(space.town, '.runtime', 'polecat', 'runs');
  const input = { rig: RIG, name: 'old', townRoot: space.town, socket: space.socket, agent: { name: 'sim', argv: ['node', 'sim.js'] }, prompt: TEXT, timeouts: { commandMs: 30000, dialogsMs: 30000, readyMs: 30000 } };
  for (let i = 0; i < count; i++) {
    const runId = `seed-${String(i).padStart(5, '0')}`;
    mkdirSync(join(runs, runId), { recursive: true });
    const startedAt = new Date(Date.now() - (count - i) * 60_000).toISOString();
    writeFileSync(
      join(runs, runId, 'run.json'),
      JSON.stringify({ format: 1, runId, kind: 'start', rig: RIG, name: `old${i % 50}`, machineVersion: 2, owner: { pid: 1, startTime: 1 }, startedAt, finishedAt: startedAt, result: 'running', input }, null, 2),
    );
  }
}

/** One start of p1 timed, after an untimed start and stop of it (what a town that has run keeps: its index, warm files). */
async function timedStartIn(label, runs) {
  const space = lab.space(label, ['p1']);
  if (runs > 0) seedRuns(space, runs);
  // The seeded files on disk before anything is timed: their writeback would otherwise land in the timed start.
  spawnSync('sync');
  await startPolecat(space, ['p1']);
  await lab.polecat(space, ['stop', `${RIG}/p1`]);
  const started = performance.now();
  const [result] = await startPolecat(space, ['p1']);
  const wall = performance.now() - started;
  if (!/running/.test(result.stdout)) throw new MeasurementError(`polecat start (${label}) exited 0 without saying running:\n${result.stdout}`);
  lab.killSpace(space);
  return wall;
}

async function measureManyRuns() {
  progress(`12. a start with ${MANY_RUNS} finished run records in the town vs none (${plan.singleReps} reps, interleaved)`);
  const [many, none] = await interleaved(plan.singleReps, [() => timedStartIn('start-many-runs', MANY_RUNS), () => timedStartIn('start-no-runs', 0)]);
  return { runs: MANY_RUNS, many: summary(many), none: summary(none) };
}

// --- 2. N at once ------------------------------------------------------------------------------------------------

async function measureConcurrency(multi) {
  const rows = [];
  for (const count of plan.counts) {
    const reps = count === 1 ? plan.singleReps : plan.concurrencyReps;
    progress(`2. ${count} at once (${reps} reps)`);
    const list = names(count);
    const [polecat, floor] = await interleaved(reps, [() => timedStart(`many${count}`, list, multi), () => timedFloor(`many${count}-floor`, list)]);
    rows.push({
      count,
      reps,
      polecat: summary(polecat),
      floor: summary(floor),
      polecatPerPolecat: summary(polecat.map((v) => v / count)),
      floorPerPolecat: summary(floor.map((v) => v / count)),
    });
  }
  return rows;
}

// --- 3. stop -----------------------------------------------------------------------------------------------------

async function timedStop(label, agentFlags, stopFlags) {
  const space = lab.space(label);
  const { result } = await lab.polecat(space, ['start', `${RIG}/p1`, '--agent', simAgent(space, agentFlags), '--prompt', TEXT]);
  const pid = Number(/agent pid (\d+)/.exec(result.stdout)?.[1]);
  if (!pid) throw new MeasurementError(`polecat start (${label}) did not name the agent pid:\n${result.stdout}`);
  const { ms: took } = await lab.polecat(space, ['stop', `${RIG}/p1`, ...stopFlags]);
  if (alive(pid)) throw new MeasurementError(`polecat stop (${label}) exited 0 but agent ${pid} is still alive`);
  lab.killSpace(space);
  return took;
}

async function measureStop() {
  progress(`3. stop (${plan.singleReps} reps each)`);
  const [cooperative, stubborn] = await interleaved(plan.singleReps, [
    () => timedStop('stop', [], []),
    () => timedStop('stop-ignore-term', ['--ignore-term'], ['--force']),
  ]);
  return { cooperative: summary(cooperative), ignoresTerm: summary(stubborn) };
}

// --- 4. list and status with many sessions -----------------------------------------------------------------------

async function measureListStatus(multi) {
  const count = plan.listSessions;
  progress(`4. list and status with ${count} sessions (${plan.singleReps} reps)`);
  const list = names(count);
  const space = lab.space(`list${count}`, list);
  if (multi) await startPolecat(space, list, { multi });
  else for (let i = 0; i < count; i += LIST_START_BATCH) await startPolecat(space, list.slice(i, i + LIST_START_BATCH));
  lab.expectDelivered(space, TEXT, count, `starting ${count} polecats for list/status`);
  const listOnce = async () => {
    const { ms: took, result } = await lab.polecat(space, ['list']);
    const shown = result.stdout.split('\n').filter((line) => line.startsWith(`${RIG}/`)).length;
    if (shown !== count) throw new MeasurementError(`polecat list showed ${shown} polecats, expected ${count}:\n${result.stdout}`);
    return took;
  };
  const statusOnce = async () => {
    const { ms: took, result } = await lab.polecat(space, ['status', `${RIG}/p1`]);
    if (!/\brunning\b/.test(result.stdout) || /not running/.test(result.stdout)) throw new MeasurementError(`polecat status rig/p1 did not say running:\n${result.stdout}`);
    return took;
  };
  const floorOnce = async () => {
    const { ms: took } = await lab.runOk(space, 'tmux list-panes -a', lab.realTmux, ['-u', '-L', space.socket, 'list-panes', '-a', '-F', '#{session_name} #{pane_id} #{pane_pid}']);
    return took;
  };
  const [listed, status, floor] = await interleaved(plan.singleReps, [listOnce, statusOnce, floorOnce], { warmUp: true });
  lab.killSpace(space);
  return { sessions: count, list: summary(listed), status: summary(status), floor: summary(floor) };
}

// --- 5. tmux processes per start ---------------------------------------------------------------------------------

/** The subcommands of one tmux process (several when `;` batches them), its global flags skipped. */
function subcommands(argv) {
  let i = 0;
  while (i < argv.length && argv[i].startsWith('-')) i += ['-L', '-S', '-f', '-T'].includes(argv[i]) ? 2 : 1;
  const commands = [];
  let expectName = true;
  for (; i < argv.length; i++) {
    if (argv[i] === ';') expectName = true;
    else if (expectName) {
      commands.push(argv[i]);
      expectName = false;
    }
  }
  return commands;
}

/** `a ; b ; b ; b` as `a ; b*3`: batched calls name each subcommand once. */
function runLengths(list) {
  const out = [];
  for (let i = 0; i < list.length; ) {
    let j = i;
    while (j < list.length && list[j] === list[i]) j++;
    out.push(j - i > 1 ? `${list[i]}*${j - i}` : list[i]);
    i = j;
  }
  return out;
}

function breakdown(calls) {
  const processes = {};
  const commands = {};
  for (const call of calls) {
    const list = subcommands(call);
    const key = runLengths(list).join(' ; ') || '(none)';
    processes[key] = (processes[key] ?? 0) + 1;
    for (const name of list) commands[name] = (commands[name] ?? 0) + 1;
  }
  return { processes: calls.length, commands: Object.values(commands).reduce((a, b) => a + b, 0), byProcess: processes, byCommand: commands };
}

async function measureTmuxCalls() {
  progress(`5. tmux processes per start (${plan.countReps} reps, counted through scripts/bench/counting-bin/tmux)`);
  const polecat = [];
  const floor = [];
  await interleaved(plan.countReps, [
    async () => {
      const space = lab.space('count');
      await startPolecat(space, ['p1'], { counting: true });
      lab.expectDelivered(space, TEXT, 1, 'polecat start (count)');
      polecat.push(breakdown(lab.countedCalls(space)));
      lab.killSpace(space);
    },
    async () => {
      const space = lab.space('count-floor');
      await lab.floor(space, 'p1', TEXT, { counting: true });
      lab.expectDelivered(space, TEXT, 1, 'floor (count)');
      floor.push(breakdown(lab.countedCalls(space)));
      lab.killSpace(space);
    },
  ]);
  const medianRun = (runs) => {
    const median = summary(runs.map((r) => r.processes)).median;
    return runs.reduce((best, r) => (Math.abs(r.processes - median) < Math.abs(best.processes - median) ? r : best));
  };
  return {
    polecat: { ...summary(polecat.map((r) => r.processes)), medianRun: medianRun(polecat), runs: polecat },
    floor: { ...summary(floor.map((r) => r.processes)), medianRun: medianRun(floor), runs: floor },
  };
}

// --- 6. --version ------------------------------------------------------------------------------------------------

async function measureVersion() {
  progress(`6. polecat --version vs node -e '' (${plan.singleReps} reps + warm-up)`);
  const space = lab.space('version');
  const expected = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')).version;
  const [polecat, node] = await interleaved(
    plan.singleReps,
    [
      async () => {
        const { ms: took, result } = await lab.runOk(space, 'polecat --version', process.execPath, [cli, '--version']);
        if (result.stdout.trim() !== expected) throw new MeasurementError(`polecat --version printed ${JSON.stringify(result.stdout)}, expected ${expected}`);
        return took;
      },
      async () => (await lab.runOk(space, "node -e ''", process.execPath, ['-e', ''])).ms,
    ],
    { warmUp: true },
  );
  return { polecat: summary(polecat), node: summary(node) };
}

// --- 7. one activity hook -----------------------------------------------------------------------------------------

/** A PreToolUse payload as Claude sends it (the tool input is part of what the hook reads past). */
const HOOK_PAYLOAD = JSON.stringify({ session_id: 'bench-session', transcript_path: '/tmp/t.jsonl', cwd: '/tmp', hook_event_name: 'PreToolUse', tool_name: 'Bash', tool_input: { command: 'ls -la' } });

async function measureHook() {
  const reps = plan.singleReps * 5;
  progress(`7. one activity hook vs sh reading its input (${reps} reps + warm-up)`);
  const space = lab.space('hook');
  const { hookCommand } = await import(resolve(root, 'dist', 'src', 'activity', 'hook-command.js'));
  const { eventFilePath, readEvents } = await import(resolve(root, 'dist', 'src', 'activity', 'event-file.js'));
  const file = eventFilePath(space.dir, RIG, 'p1');
  mkdirSync(dirname(file), { recursive: true });
  const env = { PATH: process.env.PATH, GT_ROOT: space.dir, GT_RIG: RIG, GT_POLECAT: 'p1', GT_RUN: 'bench-run' };
  const time = (what, script) => {
    const began = performance.now();
    const ran = spawnSync('/bin/sh', ['-c', script], { env, input: HOOK_PAYLOAD });
    if (ran.status !== 0) throw new MeasurementError(`${what} exited ${ran.status}`);
    return performance.now() - began;
  };
  const [hook, floor] = await interleaved(reps, [async () => time('the hook', hookCommand('PreToolUse')), async () => time('the floor', 'cat >/dev/null')], { warmUp: true });
  const { lines } = readEvents(file, 'bench-run');
  if (lines.length !== reps + 1 || lines.some((line) => line.tool !== 'Bash')) throw new MeasurementError(`the hook wrote ${lines.length} lines for ${reps + 1} calls`);
  return { hook: summary(hook), floor: summary(floor) };
}

// --- 8. from a Stop hook to polecat wait returning -----------------------------------------------------------------

/** How long a turn of the hooked sim lasts: long enough for a `polecat wait` to be watching before it ends. */
const TURN_MS = 1500;

async function measureWaitLatency() {
  progress(`8. from a Stop hook to polecat wait returning (${plan.singleReps} reps)`);
  const space = lab.space('wait');
  const { eventFilePath, readEvents } = await import(resolve(root, 'dist', 'src', 'activity', 'event-file.js'));
  // An agent on Claude's preset (polecat writes Claude's settings file) that is the sim, which runs its hooks.
  mkdirSync(join(space.town, 'settings'), { recursive: true });
  const agent = { provider: 'claude', command: process.execPath, args: [simScript, '--log', space.log, '--busy-ms', String(TURN_MS)], prompt_mode: 'none', process_names: ['node'] };
  writeFileSync(join(space.town, 'settings', 'agents.json'), JSON.stringify({ agents: { hooked: agent } }));
  await lab.polecat(space, ['start', `${RIG}/p1`, '--agent', 'hooked', '--prompt', TEXT]);
  await lab.polecat(space, ['wait', `${RIG}/p1`, '--for', 'idle', '--timeout', '30']);
  const file = eventFilePath(space.town, RIG, 'p1');
  const samples = [];
  for (let rep = 0; rep < plan.singleReps; rep++) {
    await lab.polecat(space, ['inject', `${RIG}/p1`, `${TEXT} ${rep}`]);
    const waiting = lab.polecat(space, ['wait', `${RIG}/p1`, '--for', 'idle', '--timeout', '30']).then(() => Date.now());
    const returnedAt = await waiting;
    const stops = readEvents(file).lines.filter((line) => line.event === 'Stop');
    if (stops.length !== rep + 2) throw new MeasurementError(`expected ${rep + 2} Stop lines, found ${stops.length}`);
    samples.push(returnedAt - stops.at(-1).at);
  }
  await lab.polecat(space, ['stop', `${RIG}/p1`]);
  return summary(samples);
}

// --- 9-11. the supervisor: scripts/bench/supervise.js ----------------------------------------------------------------

// --- the whole bench ---------------------------------------------------------------------------------------------

async function machineInfo() {
  const space = lab.space('info');
  const tmux = (await lab.run(space, lab.realTmux, ['-V'])).result.stdout.trim();
  const git = (await lab.run(space, 'git', ['-C', root, 'rev-parse', '--short', 'HEAD'])).result.stdout?.trim();
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model,
    memoryMb: Math.round(os.totalmem() / 2 ** 20),
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    tmux,
    commit: git || undefined,
    loadAverageAtStart: os.loadavg().map((v) => round(v, 2)),
  };
}

async function supportsMultiStart() {
  const space = lab.space('help');
  const { result } = await lab.runOk(space, 'polecat start --help', process.execPath, [cli, 'start', '--help']);
  return /--parallel\b/.test(result.stdout);
}

function verdict(met) {
  return met === undefined ? '—' : met ? 'met' : 'MISSED';
}

function buildTable(r) {
  const rows = [];
  const ms1 = (value) => `${round(value, 1)} ms`;
  const ratio = (a, b) => (a !== undefined && b ? a / b : undefined);
  const startRatio = ratio(r.start.polecat.median, r.start.floor.median);
  rows.push(['1. start → running, text delivered', ms(r.start.polecat.median), ms(r.start.floor.median), times(startRatio), '≤ 1.50x floor', verdict(startRatio <= 1.5)]);
  const how = r.multiStart ? 'one CLI, --parallel N' : 'N CLI processes';
  for (const row of r.concurrency) {
    const wallRatio = ratio(row.polecat.median, row.floor.median);
    const target = row.count === 50 ? '≤ 1.30x floor' : '—';
    rows.push([`2. ${row.count} at once (${how}): wall`, ms(row.polecat.median), ms(row.floor.median), times(wallRatio), target, row.count === 50 ? verdict(wallRatio <= 1.3) : '—']);
    rows.push([`   ${row.count} at once: per polecat`, ms(row.polecatPerPolecat.median), ms(row.floorPerPolecat.median), times(ratio(row.polecatPerPolecat.median, row.floorPerPolecat.median)), '—', '—']);
  }
  const at = (n) => r.concurrency.find((row) => row.count === n);
  if (at(10) && at(50)) {
    const growth = ratio(at(50).polecatPerPolecat.median, at(10).polecatPerPolecat.median);
    const floorGrowth = ratio(at(50).floorPerPolecat.median, at(10).floorPerPolecat.median);
    r.growth = { polecat: round(growth, 3), floor: round(floorGrowth, 3) };
    rows.push(['   per-polecat cost, 50 vs 10', times(growth), times(floorGrowth), times(growth), '≤ 1.20x (flat)', verdict(growth <= 1.2)]);
  } else {
    rows.push(['   per-polecat cost, 50 vs 10', 'skipped (--quick)', '', '', '≤ 1.20x (flat)', '—']);
  }
  rows.push(['3. stop, cooperative agent', ms(r.stop.cooperative.median), '—', ms(r.stop.cooperative.median), '< 200 ms', verdict(r.stop.cooperative.median < 200)]);
  const stubbornTarget = KILL_GRACE_MS + 100;
  rows.push([`   stop --force, agent ignores SIGTERM`, ms(r.stop.ignoresTerm.median), '—', `grace + ${ms(r.stop.ignoresTerm.median - KILL_GRACE_MS)}`, `≤ grace + 100 ms`, verdict(r.stop.ignoresTerm.median <= stubbornTarget)]);
  const ls = r.listStatus;
  rows.push([`4. list (with activity), ${ls.sessions} sessions`, ms(ls.list.median), ms(ls.floor.median), ms(ls.list.median), '< 100 ms', verdict(ls.list.median < 100)]);
  rows.push([`   status rig/p1, ${ls.sessions} sessions`, ms(ls.status.median), ms(ls.floor.median), ms(ls.status.median), '< 100 ms', verdict(ls.status.median < 100)]);
  const tc = r.tmuxCalls;
  rows.push(['5. tmux processes per start', String(tc.polecat.median), String(tc.floor.median), String(tc.polecat.median), '≤ 8', verdict(tc.polecat.median <= 8)]);
  const versionRatio = ratio(r.version.polecat.median, r.version.node.median);
  rows.push(["6. polecat --version vs node -e ''", ms(r.version.polecat.median), ms(r.version.node.median), times(versionRatio), '≤ 1.30x', verdict(versionRatio <= 1.3)]);
  rows.push(['7. one activity hook (sh and sed)', ms1(r.hook.hook.median), ms1(r.hook.floor.median), ms1(r.hook.hook.median - r.hook.floor.median), '< 5 ms', verdict(r.hook.hook.median < 5)]);
  rows.push(['8. Stop hook to polecat wait returning', ms(r.waitLatency.median), '—', ms(r.waitLatency.median), '< 50 ms', verdict(r.waitLatency.median < 50)]);
  const sv = r.supervisor;
  const p = sv.pass;
  rows.push([`9. supervision pass, ${sv.polecats} polecats up`, ms1(p.pass.median), ms1(p.floor.median), times(ratio(p.pass.median, p.floor.median)), '< 100 ms', verdict(p.pass.median < 100)]);
  const tp = p.tmuxProcesses;
  rows.push(['   tmux processes per pass', tp.min === tp.max ? String(tp.median) : `${tp.median} (${tp.min}-${tp.max})`, '1', String(tp.max), '1 (every pass)', verdict(tp.max <= 1)]);
  const idle = sv.supervise.idle;
  const pct = (value) => `${value.toFixed(2)}%`;
  rows.push([`10. supervise idle CPU, ${sv.polecats} up`, pct(idle.supervisor.cpuPercent), pct(idle.floor.cpuPercent), pct(idle.supervisor.cpuPercent), '< 1%', verdict(idle.supervisor.cpuPercent < 1)]);
  const memory = (who) => `${Math.round(who.rssMb)}/${Math.round(who.hwmMb)} MB`;
  const memoryTarget = sv.polecats === 50 ? verdict(idle.supervisor.hwmMb < 150) : '—';
  rows.push(['    memory, RSS/peak', memory(idle.supervisor), memory(idle.floor), `${Math.round(idle.supervisor.hwmMb)} MB peak`, '< 150 MB (at 50)', memoryTarget]);
  const d = sv.supervise.deaths;
  const backoffTarget = `< 1000 ms + backoff (${sv.backoffMinS} s)`;
  rows.push([`11. agent killed → restart begun`, ms(d.begun.median), '—', ms(d.begun.median), backoffTarget, verdict(d.begun.median < 1000)]);
  rows.push([`    worst of ${d.reps}`, ms(d.begun.max), '—', ms(d.begun.max), backoffTarget, verdict(d.begun.max < 1000)]);
  rows.push(['    agent killed → "agent gone" line', ms(d.gone.median), '—', ms(d.gone.median), '—', '—']);
  const mr = r.manyRuns;
  const extra = mr.many.median - mr.none.median;
  rows.push([`12. start with ${mr.runs} run records, extra`, ms(mr.many.median), ms(mr.none.median), `${extra < 0 ? '-' : '+'}${ms(Math.abs(extra))}`, '+ < 5 ms', verdict(extra < 5)]);
  const sm = r.startMemory;
  rows.push(["13. a start's CLI process, peak RSS", `${round(sm.median, 1)} MB`, '—', `${round(sm.max, 1)} MB worst`, '< 80 MB', verdict(sm.max < 80)]);
  r.targets = rows.filter((row) => row[5] === 'met' || row[5] === 'MISSED').map((row) => ({ figure: row[0].trim(), target: row[4], met: row[5] === 'met' }));
  return table(['figure', 'polecat', 'floor', 'ratio/value', 'target', 'result'], rows);
}

function notes(r) {
  const byCommand = Object.entries(r.tmuxCalls.polecat.medianRun.byProcess)
    .map(([name, n]) => (n > 1 ? `${n} × ${name}` : name))
    .join(', ');
  return [
    `Medians of ${plan.singleReps} reps (10/50 at once: ${plan.concurrencyReps}), polecat and floor interleaved; min/max and every sample in the JSON.`,
    `Floor: scripts/bench/floor-start.sh, one new-session running the sim, capture-pane polls, send-keys -l, send-keys Enter;`,
    `  it polls every ${POLL_MS} ms; polecat as often (pollMs, src/steps/deps.ts), but 5, 10 and 20 ms after it types the text or presses Enter.`,
    `  Both runs' sims log to a file that is checked for the submit.`,
    `Item 2 runs ${r.multiStart ? 'one `polecat start p1..pN --parallel N`' : 'N separate `polecat start` processes at once (this CLI has no --parallel)'}; the floor, N floor scripts at once.`,
    `Stop of the SIGTERM-ignoring sim uses --force (the sim exits on Ctrl-C, which would skip the kill grace); grace = kill=${KILL_GRACE_MS / 1000} s.`,
    `list/status floor: one \`tmux list-panes -a\` on the same server. tmux counted by scripts/bench/counting-bin/tmux (untimed runs).`,
    `polecat's tmux processes (median run; a*k = k commands batched in one process): ${byCommand}.`,
    ...supervisorNotes(r.supervisor),
    `Machine: ${r.machine.cpus} × ${r.machine.cpuModel}, node ${r.machine.node}, ${r.machine.tmux}, load ${r.machine.loadAverageAtStart.join(' ')} at start.`,
  ].join('\n');
}

function supervisorNotes(sv) {
  const p = sv.pass;
  const { idle, deaths } = sv.supervise;
  const calls = Object.entries(p.tmuxProcesses.medianRun.byProcess)
    .map(([name, n]) => (n > 1 ? `${n} × ${name}` : name))
    .join(', ');
  return [
    `Supervisor: ${sv.polecats} polecats put up with \`polecat up --parallel ${sv.upParallel}\` (the sim agent). 9: Supervisor.pass() from dist in a process of its own,`,
    `  ${p.reps} steady passes (after a first that made the ${sv.polecats} supervisions: ${ms(p.firstPassMs)}) interleaved with its floor, the same \`tmux list-panes -a -f -F\``,
    `  spawned from that process; of a pass, listDesired ${round(p.parts.listDesired.median, 1)} ms and list (tmux + /proc) ${round(p.parts.list.median, 1)} ms (medians);`,
    `  CPU of that process: ${round(p.passCpuMs.median, 1)} ms a pass, ${round(p.floorCpuMs.median, 1)} ms a floor call (medians);`,
    `  a pass's tmux processes (counted, median pass): ${calls || '(none)'}; polecat's own spawn count says ${p.tmuxSpawnCount.median}.`,
    `10: \`polecat supervise\` in the foreground, its first pass done ${ms(sv.supervise.firstPassDoneMs)} after spawn, then ${idle.settledMs / 1000} s settled; CPU (utime+stime) over ${idle.seconds} s,`,
    `  with its tmux children ${idle.supervisor.cpuPercentWithChildren.toFixed(2)}%; floor: scripts/bench/idle-floor.js (node, one list-panes a second), same window`,
    `  (with children ${idle.floor.cpuPercentWithChildren.toFixed(2)}%). Memory from /proc VmRSS/VmHWM; after the restarts of 11: ${sv.supervise.memoryAfterDeaths.rssMb}/${sv.supervise.memoryAfterDeaths.hwmMb} MB.`,
    `11: an agent SIGKILLed at a random point of its own 1/${deaths.reps} of the ${deaths.passMs} ms pass period, every other rep the polecat the rep before restarted; times from the supervisor's own line stamps;`,
    `  supervision.backoff_min_s ${sv.backoffMinS} (every backoff ${sv.backoffMinS} s); restart running ${ms(deaths.running.median)} after the kill; stopped by SIGTERM in ${ms(sv.supervise.stop.ms)}.`,
    ...(sv.supervise.failedPasses.length > 0 ? [`  The supervisor said "pass failed" ${sv.supervise.failedPasses.length} time(s): ${sv.supervise.failedPasses[0]}`] : []),
  ];
}

async function main() {
  const results = { startedAt: new Date().toISOString(), quick: options.quick, plan, pollMs: POLL_MS, text: TEXT };
  let exitCode = 0;
  try {
    results.machine = await machineInfo();
    results.multiStart = await supportsMultiStart();
    progress(`bench: ${options.quick ? 'quick' : 'full'} run in ${lab.dir}; multi-start ${results.multiStart ? 'available' : 'not available (N separate processes)'}`);
    results.start = await measureStart();
    results.concurrency = await measureConcurrency(results.multiStart);
    results.stop = await measureStop();
    results.listStatus = await measureListStatus(results.multiStart);
    results.tmuxCalls = await measureTmuxCalls();
    results.version = await measureVersion();
    results.hook = await measureHook();
    results.waitLatency = await measureWaitLatency();
    results.manyRuns = await measureManyRuns();
    results.startMemory = await measureStartMemory();
    results.supervisor = await measureSupervisor({ lab, plan, progress, names, addresses, simAgent, text: TEXT, breakdown });
    results.machine.loadAverageAtEnd = os.loadavg().map((v) => round(v, 2));
    const printed = buildTable(results);
    results.table = printed.split("\n");
    console.log(`\n${printed}\n\n${notes(results)}`);
  } catch (error) {
    exitCode = interrupted ? 130 : 1;
    results.error = interrupted ? `interrupted by ${interrupted}` : error instanceof Error ? error.message : String(error);
    console.error(`\nbench failed: ${results.error}`);
    if (!(error instanceof MeasurementError) && !interrupted) console.error(error);
  }
  const left = lab.cleanup();
  results.leftBehind = left.map((p) => p.cmdline);
  if (left.length > 0) {
    console.error(`bench: ${left.length} process(es) had to be killed at the end:\n  ${results.leftBehind.join('\n  ')}`);
  }
  results.finishedAt = new Date().toISOString();
  writeFileSync(options.out, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\nJSON: ${options.out}`);
  process.exit(exitCode);
}

await main();
