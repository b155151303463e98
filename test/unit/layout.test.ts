/**
 * Every tmux command line is built in src/tmux: no string literal in the code of any other file under src/ or
 * machines/ is a tmux command name, the program name `tmux`, or a shell line running tmux, and no such file imports
 * the pieces argv is made of (targets, format templates). Comments and help text that mention tmux are fine (only
 * whole literals count, found by the TypeScript parser, not by grep).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');

/** tmux's command list (`tmux list-commands`, tmux 3.3a). */
const TMUX_COMMANDS = [
  'attach-session', 'bind-key', 'break-pane', 'capture-pane', 'choose-buffer', 'choose-client', 'choose-tree',
  'clear-history', 'clear-prompt-history', 'clock-mode', 'command-prompt', 'confirm-before', 'copy-mode',
  'customize-mode', 'delete-buffer', 'detach-client', 'display-menu', 'display-message', 'display-popup',
  'display-panes', 'find-window', 'has-session', 'if-shell', 'join-pane', 'kill-pane', 'kill-server', 'kill-session',
  'kill-window', 'last-pane', 'last-window', 'link-window', 'list-buffers', 'list-clients', 'list-commands',
  'list-keys', 'list-panes', 'list-sessions', 'list-windows', 'load-buffer', 'lock-client', 'lock-server',
  'lock-session', 'move-pane', 'move-window', 'new-session', 'new-window', 'next-layout', 'next-window',
  'paste-buffer', 'pipe-pane', 'previous-layout', 'previous-window', 'refresh-client', 'rename-session',
  'rename-window', 'resize-pane', 'resize-window', 'respawn-pane', 'respawn-window', 'rotate-window', 'run-shell',
  'save-buffer', 'select-layout', 'select-pane', 'select-window', 'send-keys', 'send-prefix', 'server-access',
  'set-buffer', 'set-environment', 'set-hook', 'set-option', 'set-window-option', 'show-buffer', 'show-environment',
  'show-hooks', 'show-messages', 'show-options', 'show-prompt-history', 'show-window-options', 'source-file',
  'split-window', 'start-server', 'suspend-client', 'swap-pane', 'swap-window', 'switch-client', 'unbind-key',
  'unlink-window', 'wait-for',
];

/**
 * tmux's short aliases, except those that are ordinary words (attach, new, set, send, show, start, run, locks, ...):
 * code has those for other reasons (`start` is a polecat command, `locks` a directory of runs), and polecat's own
 * tmux calls use full names.
 */
const TMUX_ALIASES = [
  'breakp', 'capturep', 'clearhist', 'clearphist', 'deleteb', 'displayp', 'findw', 'joinp', 'killp', 'killw', 'lastp',
  'linkw', 'lsb', 'lsc', 'lscm', 'lsk', 'lsp', 'ls', 'lsw', 'loadb', 'lockc', 'movep', 'movew', 'neww',
  'nextl', 'pasteb', 'pipep', 'prevl', 'renamew', 'resizep', 'resizew', 'respawnp', 'respawnw', 'rotatew', 'saveb',
  'selectl', 'selectp', 'selectw', 'setb', 'setenv', 'setw', 'showb', 'showenv', 'showmsgs', 'showphist', 'showw',
  'splitw', 'suspendc', 'swapp', 'swapw', 'switchc', 'unlinkw',
];

const COMMAND_NAMES = new Set([...TMUX_COMMANDS, ...TMUX_ALIASES]);

/** What src/tmux builds argv from; reading a row tmux returned (parseRow, describeExit) is fine elsewhere. */
const ARGV_PIECES = new Set(['sessionTarget', 'formatTemplate', 'formatLiteral', 'PANE_FIELDS', 'SESSION_FIELDS', 'FIELD_SEPARATOR']);

interface Finding {
  readonly file: string;
  readonly line: number;
  readonly text: string;
  readonly why: string;
}

/** Why a string literal of code is tmux argv, or undefined when it is not. */
function tmuxUse(literal: string): string | undefined {
  if (COMMAND_NAMES.has(literal)) return 'a tmux command name';
  if (literal === 'tmux') return 'the tmux program, run from here';
  const [first, second] = literal.trim().split(/\s+/);
  if (first === 'tmux' && second !== undefined && COMMAND_NAMES.has(second)) return 'a shell line running tmux';
  return undefined;
}

/** The string literals (template literal parts too) of a TypeScript source that are tmux argv, and imports to build it. */
function findTmuxArgv(file: string, text: string): Finding[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const findings: Finding[] = [];
  const visit = (node: ts.Node): void => {
    const line = () => source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
    if (ts.isStringLiteralLike(node) || ts.isTemplateLiteralToken(node)) {
      const why = tmuxUse(node.text);
      if (why) findings.push({ file, line: line(), text: node.text, why });
    }
    if (ts.isImportSpecifier(node)) {
      const imported = (node.propertyName ?? node.name).text;
      if (ARGV_PIECES.has(imported)) findings.push({ file, line: line(), text: imported, why: 'imported to build tmux argv' });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return findings;
}

/** Every .ts file under src/ and machines/ but src/tmux/, relative to the repository. */
function checkedFiles(): string[] {
  return ['src', 'machines']
    .flatMap((dir) => readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' }).map((path) => join(dir, path)))
    .filter((path) => path.endsWith('.ts') && !path.startsWith('src/tmux/'))
    .sort();
}

const describeFinding = (f: Finding) => `${f.file}:${f.line}: ${JSON.stringify(f.text)}, ${f.why}: build it in src/tmux`;

describe('no tmux argv outside src/tmux', () => {
  it('finds none in src/ and machines/', () => {
    const findings = checkedFiles().flatMap((file) => findTmuxArgv(file, readFileSync(join(root, file), 'utf8')));
    expect(findings.map(describeFinding)).toEqual([]);
  });

  it('reads the files that build sessions, and none of src/tmux', () => {
    const files = checkedFiles();
    expect(files).toEqual(expect.arrayContaining(['src/steps/create-session.ts', 'src/cli/commands/attach.ts', 'machines/startup.ts']));
    expect(files.filter((file) => file.startsWith('src/tmux'))).toEqual([]);
  });

  it('names file and line of argv in a step, a spawn of tmux, a shell line running it and an import to build it', () => {
    const sample = [
      "import { execFile } from 'node:child_process';",
      "const args = ['set-option', '-t', x, 'status', 'on'];",
      "execFile('tmux', ['show-environment'], () => {});",
      'const hook = `tmux set-environment READY ${value}`;',
      "const list = ['lsp', '-a'];",
      "import { sessionTarget } from '../tmux/client.js';",
    ].join('\n');
    expect(findTmuxArgv('src/steps/sample.ts', sample).map(describeFinding)).toEqual([
      'src/steps/sample.ts:2: "set-option", a tmux command name: build it in src/tmux',
      'src/steps/sample.ts:3: "tmux", the tmux program, run from here: build it in src/tmux',
      'src/steps/sample.ts:3: "show-environment", a tmux command name: build it in src/tmux',
      'src/steps/sample.ts:4: "tmux set-environment READY ", a shell line running tmux: build it in src/tmux',
      'src/steps/sample.ts:5: "lsp", a tmux command name: build it in src/tmux',
      'src/steps/sample.ts:6: "sessionTarget", imported to build tmux argv: build it in src/tmux',
    ]);
  });

  it('leaves comments and help text that mention tmux alone', () => {
    const sample = [
      '// set-option -t =name: status on, in one tmux call',
      '/** send-keys types the text */',
      "program.description('tmux takes over this terminal; see tmux attach-session');",
      'const hint = `attach: tmux -L ${socket} attach -t ${session}`;',
      "const step = 'start';",
    ].join('\n');
    expect(findTmuxArgv('src/cli/sample.ts', sample)).toEqual([]);
  });
});
