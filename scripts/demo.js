#!/usr/bin/env node
// npm run demo: a throwaway git project in a temp dir, and from it a town made as a user makes one (init, rig add,
// add), one polecat started in its worktree with the simulated agent (Claude's trust and bypass dialogs), then list,
// status, capture, stop, remove, and a check that nothing is left behind. Everything runs through the built CLI,
// exactly as a user would type it, from inside the town.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'bin', 'polecat.js');
const scratch = mkdtempSync(join(tmpdir(), 'polecat-demo-'));
const project = join(scratch, 'app');
const town = join(scratch, 'town');

const bold = (text) => (process.stdout.isTTY ? `\x1b[1m${text}\x1b[0m` : text);

function run(program, args, cwd) {
  const result = spawnSync(program, args, { cwd, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${program} ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return result.stdout;
}

/** The CLI as typed in the town (after `cd town`), or elsewhere with `cwd`. */
function polecat(...args) {
  const cwd = typeof args.at(-1) === 'object' ? args.pop().cwd : town;
  console.log(`\n${bold(`$ polecat ${args.map((a) => (/[\s"]/.test(a) ? JSON.stringify(a) : a)).join(' ')}`)}`);
  const result = spawnSync(process.execPath, [cli, ...args], { cwd, stdio: ['inherit', 'pipe', 'inherit'], encoding: 'utf8' });
  process.stdout.write(result.stdout);
  if (result.status !== 0) throw new Error(`polecat ${args[0]} exited ${result.status}`);
  return result.stdout;
}

function alive(pid) {
  try {
    return !/\) [ZX] /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

let exitCode = 0;
try {
  // The project a user already has: a git repository with one commit.
  run('git', ['init', '-q', '-b', 'main', project]);
  writeFileSync(join(project, 'README.md'), '# app\n');
  run('git', ['add', 'README.md'], project);
  run('git', ['-c', 'user.name=demo', '-c', 'user.email=demo@example.com', 'commit', '-q', '-m', 'first'], project);
  console.log(`Demo project: ${project} (a git repository with one commit)`);

  polecat('init', town, { cwd: scratch });
  polecat('rig', 'add', 'app', project);
  polecat('add', 'app/Toast');
  polecat('start', 'app/Toast', '--agent', 'sim --dialogs trust,bypass --busy-ms 1500');
  polecat('list', '--all');
  const status = JSON.parse(polecat('status', 'app/Toast', '--json'));
  polecat('capture', 'app/Toast');
  polecat('stop', 'app/Toast');
  polecat('remove', 'app/Toast');
  polecat('list', '--all');
  const socket = status.socket;
  const server = spawnSync('tmux', ['-L', socket, 'list-sessions'], { encoding: 'utf8' });
  const worktrees = run('git', ['--git-dir', join(town, 'app', '.repo.git'), 'worktree', 'list', '--porcelain']).split('\n').filter((l) => l.startsWith('worktree '));
  const left = [
    ...(server.status === 0 ? [`tmux sessions on ${socket}:\n${server.stdout}`] : []),
    ...(alive(status.agentPid) ? [`agent process ${status.agentPid}`] : []),
    ...(worktrees.length > 1 ? [`worktrees: ${worktrees.slice(1).join(', ')}`] : []),
  ];
  if (left.length > 0) throw new Error(`left behind: ${left.join('; ')}`);
  console.log(`\n${bold('Nothing left:')} no session on socket ${socket}, agent process ${status.agentPid} gone, no worktree but the rig's bare repository.`);
} catch (error) {
  console.error(`\ndemo failed: ${error.message}`);
  spawnSync(process.execPath, [cli, 'stop', 'app/Toast', '--force', '--town', town], { stdio: 'inherit' });
  exitCode = 1;
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
process.exit(exitCode);
