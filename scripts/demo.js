#!/usr/bin/env node
// npm run demo: a throwaway town in a temp dir, one rig, one polecat started with the simulated agent (Claude's
// trust and bypass dialogs), then list, status, capture, stop, and a check that nothing is left behind.
// Everything runs through the built CLI, exactly as a user would type it.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'bin', 'polecat.js');
const town = mkdtempSync(join(tmpdir(), 'polecat-demo-'));
mkdirSync(join(town, 'mayor'), { recursive: true });
writeFileSync(join(town, 'mayor', 'town.json'), '{"name":"demo"}\n');
mkdirSync(join(town, 'demo', 'polecats', 'Toast'), { recursive: true });

const bold = (text) => (process.stdout.isTTY ? `\x1b[1m${text}\x1b[0m` : text);

function polecat(...args) {
  console.log(`\n${bold(`$ polecat ${args.map((a) => (/[\s"]/.test(a) ? JSON.stringify(a) : a)).join(' ')}`)}`);
  const result = spawnSync(process.execPath, [cli, ...args, '--town', town], { stdio: ['inherit', 'pipe', 'inherit'], encoding: 'utf8' });
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
  console.log(`Demo town: ${town}`);
  polecat('start', 'demo/Toast', '--agent', 'sim --dialogs trust,bypass --busy-ms 1500');
  polecat('list');
  const status = JSON.parse(polecat('status', 'demo/Toast', '--json'));
  polecat('capture', 'demo/Toast');
  polecat('stop', 'demo/Toast');
  polecat('list');
  const socket = status.socket;
  const server = spawnSync('tmux', ['-L', socket, 'list-sessions'], { encoding: 'utf8' });
  const left = [
    ...(server.status === 0 ? [`tmux sessions on ${socket}:\n${server.stdout}`] : []),
    ...(alive(status.agentPid) ? [`agent process ${status.agentPid}`] : []),
  ];
  if (left.length > 0) throw new Error(`left behind: ${left.join('; ')}`);
  console.log(`\n${bold('Nothing left:')} no session on socket ${socket}, agent process ${status.agentPid} gone.`);
} catch (error) {
  console.error(`\ndemo failed: ${error.message}`);
  spawnSync(process.execPath, [cli, 'stop', 'demo/Toast', '--force', '--town', town], { stdio: 'inherit' });
  exitCode = 1;
} finally {
  rmSync(town, { recursive: true, force: true });
}
process.exit(exitCode);
