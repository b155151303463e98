#!/usr/bin/env node
// `npm run bench`'s supervision pass, run as its own process (the lab's environment: its private TMUX_TMPDIR, and the
// counting tmux first on PATH when counted): takes the town's supervisor (dist/src/supervise/supervisor.js) and
// times Supervisor.pass() against its floor, the one `tmux list-panes -a` a pass needs (the same filter and format
// polecat's list uses), interleaved; then the pass's parts (listDesired; list: the tmux call and /proc). Prints JSON.
//
//   node supervise-pass.js '{"town":...,"socket":...,"reps":N,"counting":false}'
// counting: passes only, and each pass's tmux calls as the counting stand-in logged them.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { root } from './lab.js';

const { town, socket, reps, counting } = JSON.parse(process.argv[2]);
const dist = (path) => import(resolve(root, 'dist', 'src', path));
const { Supervisor } = await dist('supervise/supervisor.js');
const { listDesired } = await dist('supervise/desired.js');
const { list } = await dist('api/queries.js');
const { tmuxSpawnCount } = await dist('tmux/run.js');
const { formatTemplate, SESSION_FIELDS } = await dist('tmux/formats.js');

// As src/tmux/client.ts listPolecatPanes asks tmux: only the agent pane of each polecat session.
const AGENT_PANES_ONLY = '#{&&:#{@polecat_pane},#{==:#{pane_id},#{@polecat_pane}}}';
const floorArgs = ['-u', '-L', socket, 'list-panes', '-a', '-f', AGENT_PANES_ONLY, '-F', formatTemplate(SESSION_FIELDS)];

const log = [];
const supervisor = Supervisor.take({ townRoot: town, socket, log: (line) => log.push(line) });
const callLog = join(process.env.TMUX_TMPDIR, 'tmux-calls.log');
const logSize = () => (existsSync(callLog) ? statSync(callLog).size : 0);

async function timed(fn) {
  const began = performance.now();
  await fn();
  return performance.now() - began;
}

/** This process's CPU time (user + system) so far, in ms: a pass's own, beside the tmux it waits for. */
const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

/** One pass: its wall time, the tmux processes polecat says it spawned, and (counting) those the stand-in logged. */
async function onePass() {
  const spawnsBefore = tmuxSpawnCount();
  const logBefore = logSize();
  const cpuBefore = cpuMs();
  const ms = await timed(() => supervisor.pass());
  const pass = { ms, cpuMs: cpuMs() - cpuBefore, spawns: tmuxSpawnCount() - spawnsBefore };
  if (counting) {
    const text = readFileSync(callLog).subarray(logBefore).toString('utf8');
    pass.calls = text
      .split('\x1e')
      .filter((record) => record !== '')
      .map((record) => record.split('\x1f').slice(0, -1));
  }
  return pass;
}

const floor = async () => {
  const result = await execa('tmux', floorArgs, { reject: false, stdin: 'ignore' });
  if (result.exitCode !== 0) throw new Error(`floor tmux list-panes exited ${result.exitCode}: ${result.stderr}`);
  return result.stdout.split('\n').filter((line) => line !== '').length;
};

const out = { first: await onePass(), passes: [], floor: [], floorCpuMs: [], floorRows: undefined, parts: { listDesired: [], list: [] } };
// A later supervisor of the same town carries on from what the first kept: `supervised (carrying on: …)`.
const supervised = log.filter((line) => /: supervised( \(carrying on: .*\))?$/.test(line)).length;
if (counting) {
  for (let rep = 0; rep < reps; rep++) out.passes.push(await onePass());
} else {
  // Pass first on even repetitions, the floor first on odd ones.
  for (let rep = 0; rep < reps; rep++) {
    const order = rep % 2 === 0 ? ['pass', 'floor'] : ['floor', 'pass'];
    for (const which of order) {
      if (which === 'pass') out.passes.push(await onePass());
      else {
        let rows;
        const cpuBefore = cpuMs();
        out.floor.push(await timed(async () => (rows = await floor())));
        out.floorCpuMs.push(cpuMs() - cpuBefore);
        out.floorRows = rows;
      }
    }
  }
  // Where a pass's time goes: what was said of each polecat (one file each), and what runs (one tmux call, /proc).
  for (let rep = 0; rep < reps; rep++) {
    out.parts.listDesired.push(await timed(async () => listDesired(town)));
    out.parts.list.push(await timed(() => list(undefined, { town, socket, replay: false })));
  }
}
// An aborted run: one more pass, then the supervisions stop and the lock is let go.
await supervisor.run(AbortSignal.abort());
out.supervised = supervised;
out.log = log;
process.stdout.write(`${JSON.stringify(out)}\n`);
