#!/usr/bin/env node
// `npm run bench`'s floor for the supervisor's idle CPU and memory: a node process doing the least a supervisor must,
// one `tmux list-panes -a` (the filter and format polecat's list uses) every second, and nothing else.
//
//   node idle-floor.js SOCKET
import { execFile } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// Not lab.js: its imports (execa) would be memory this floor does not need.
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

const socket = process.argv[2];
const { formatTemplate, SESSION_FIELDS } = await import(resolve(root, 'dist', 'src', 'tmux', 'formats.js'));
const args = ['-u', '-L', socket, 'list-panes', '-a', '-f', '#{&&:#{@polecat_pane},#{==:#{pane_id},#{@polecat_pane}}}', '-F', formatTemplate(SESSION_FIELDS)];
const look = () => execFile('tmux', args, { maxBuffer: 64 * 2 ** 20 }, () => undefined);
setInterval(look, 1_000);
look();
process.stdout.write('ready\n');
