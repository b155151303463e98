/**
 * The command an agent's hook runs to report one event: a line appended to the polecat's event file by `sh` and one
 * `sed`, so a hook costs what starting those two programs costs and no Node process.
 *
 * - The file's place comes from the variables polecat gives every agent (GT_ROOT, GT_RIG, GT_POLECAT, GT_RUN), so one
 *   settings file serves every polecat of a rig.
 * - Its time is the machine's uptime, which sed reads from /proc/uptime after the payload: a `date` process would
 *   cost more than the rest of the hook. Reading turns it into a time of day (event-line.ts). Without /proc, `date`
 *   gives whole seconds.
 * - From the hook's input (JSON on stdin) only names, ids and kinds are kept, and only when made of safe characters,
 *   so the line needs no escaping and no secret can reach it. The run id is checked the same way before it goes
 *   into sed's script.
 * - It prints nothing (an agent may read a hook's output) and always exits 0: 2 would block Claude's tool call, and
 *   any status but 0 and 1 is a denial to Gemini.
 * - sed writes the line, well under PIPE_BUF bytes, with one write to a file opened for appending, so lines of hooks
 *   running at once never interleave.
 */
import { join } from 'node:path';
import { HOOK_NAMES, type HookName } from '../../machines/activity.js';
import { shellQuote } from '../agents/shell.js';
import { EVENT_LINE_VERSION } from './event-line.js';

/** The event file, as the hook finds it (a shell word expanded by the hook's shell). */
export const EVENT_FILE_IN_HOOK = '"$GT_ROOT/.runtime/polecat/events/$GT_RIG/$GT_POLECAT.jsonl"';

/** Payload fields kept, and the names they get in the line. */
const FIELDS: ReadonlyArray<readonly [string, string]> = [
  ['tool_name', 'tool'],
  ['session_id', 'session'],
  ['notification_type', 'kind'],
  ['error', 'error'],
];

/** Where the machine's uptime is read: Linux's. */
export const UPTIME_FILE = '/proc/uptime';

/**
 * sed's script. Its input is the payload and then one line with the time: /proc/uptime's (`12656.29 23456.78`) or,
 * without it, `at <epoch ms>`. That last line also ends the input with a newline, which sed then writes after the
 * line. The input is joined into one line and kept in the hold space; for each kept field the input has, and for
 * the time, `,"name":"value"` is appended to the result, the field's match taking the value; then the line's head,
 * whose RUN and EVENT the hook's shell fills in.
 */
function sedScript(): string {
  // Unbounded while matching (a bounded repeat inside these groups costs sed milliseconds to compile), then a field
  // past SAFE_VALUE's hundred characters is dropped.
  const safe = '[A-Za-z0-9_.:@-]';
  const value = `\\(${safe}${safe}*\\)`;
  const appendMatch = (pattern: string, to: string) => `G;s/^\\(.*\\)\\n.*${pattern}$/\\1,"${to}/;s/\\n.*$//`;
  return [
    ':a',
    '$!{N;ba}',
    's/\\n/ /g',
    'h',
    's/.*//',
    ...FIELDS.map(([from, to]) => appendMatch(`"${from}" *: *"${value}".*`, `${to}":"\\2"`)),
    `s/,"[a-z]*":"${safe}\\{101\\}${safe}*"//g`,
    appendMatch(' \\([0-9][0-9]*\\.[0-9][0-9]*\\) [0-9.]*', 'up":"\\2"'),
    appendMatch(' at \\([0-9][0-9]*\\)', 'at":\\2'),
    `s/^/{"v":${EVENT_LINE_VERSION},"run":"RUN","event":"EVENT"/`,
    's/$/}/',
    'p',
  ].join(';');
}

/**
 * The hook's shell text, the event spliced into sed's script as `eventWord` (a quoted name, or the script file's
 * checked argument). The run id goes into the script too, so it is let in only when made of safe characters.
 */
function hookBody(event: HookName | 'ARG', uptimeFile: string): string {
  const [beforeRun, afterRun] = sedScript().split('RUN') as [string, string];
  const [middle, end] = afterRun.split('EVENT') as [string, string];
  const eventWord = event === 'ARG' ? '"$1"' : shellQuote(event);
  const script = `${shellQuote(beforeRun)}"$GT_RUN"${shellQuote(middle)}${eventWord}${shellQuote(end)}`;
  // Outside a polecat (no run, no events directory) the hook does nothing, but still reads its input to the end: the
  // agent writing it would otherwise find the pipe closed.
  const leave = '{ cat >/dev/null 2>&1; exit 0; }';
  return [
    `polecat_f=${EVENT_FILE_IN_HOOK};`,
    `case "$GT_RUN" in ''|*[!A-Za-z0-9_-]*) ${leave};; esac;`,
    ...(event === 'ARG' ? [`case "$1" in ${HOOK_NAMES.join('|')}) ;; *) ${leave};; esac;`] : []),
    `[ -d "\${polecat_f%/*}" ] || ${leave};`,
    `command exec 2>/dev/null 3>>"$polecat_f" || ${leave};`,
    `[ -r ${shellQuote(uptimeFile)} ] && { sed -n ${script} - ${shellQuote(uptimeFile)} >&3 3>&-; exit 0; };`,
    `{ cat; echo; date '+ at %s000'; } | sed -n ${script} >&3 3>&-; exit 0`,
  ].join(' ');
}

/** The hook of one event, whole: for a settings file (Claude's, Gemini's). */
export function hookCommand(event: HookName, uptimeFile: string = UPTIME_FILE): string {
  return hookBody(event, uptimeFile);
}

/**
 * The same hook as a script taking the event as its argument, for an agent whose hooks are given on its command
 * line (Codex's `-c hooks...`), where the whole command for every event would not fit. Written once per town.
 */
export function hookScript(uptimeFile: string = UPTIME_FILE): string {
  return ['#!/bin/sh', "# Written by polecat: reports an agent's hook event (its name, $1) to the polecat's event file.", hookBody('ARG', uptimeFile), ''].join('\n');
}

export function hookScriptPath(townRoot: string): string {
  return join(townRoot, '.runtime', 'polecat', 'hook.sh');
}

/** Where the town's hook script is, as the hook's shell finds it (hookScriptPath). */
export const HOOK_SCRIPT_IN_HOOK = '"$GT_ROOT/.runtime/polecat/hook.sh"';

/** The hook command that runs the town's script for one event. */
export function scriptHookCommand(event: HookName): string {
  return `sh ${HOOK_SCRIPT_IN_HOOK} ${event}`;
}
