/**
 * The command an agent's hook runs to report one event: a line appended to the polecat's event file, from `sh`,
 * `sed` and `date` (no Node process, so a hook costs a few milliseconds). The file's place comes from the variables
 * polecat gives every agent (GT_ROOT, GT_RIG, GT_POLECAT, GT_RUN), so one settings file serves every polecat of a
 * rig. From the hook's input (JSON on stdin) only names, ids and kinds are kept, and only when made of safe
 * characters, so the line needs no escaping and no secret can reach it. It prints nothing (an agent may read a
 * hook's output) and never fails the hook. The line is one `printf` of well under PIPE_BUF bytes to a file opened
 * for appending, so lines of hooks running at once never interleave.
 */
import type { HookName } from '../../machines/activity.js';
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

/**
 * One `sed` that prints, on one line, `,"name":"value"` for each kept field its input has: the input is joined into
 * one line, kept in the hold space, and appended to the result once per field, whose match takes the value.
 */
function extractScript(): string {
  const value = '\\([A-Za-z0-9_.:@-]\\{1,100\\}\\)';
  const field = ([from, to]: readonly [string, string]) => `G;s/^\\(.*\\)\\n.*"${from}" *: *"${value}".*$/\\1,"${to}":"\\2"/;s/\\n.*$//`;
  return [':a', '$!{N;ba}', 's/\\n/ /g', 'h', 's/.*//', ...FIELDS.map(field), 'p'].join(';');
}

export function hookCommand(event: HookName): string {
  const head = `{"v":${EVENT_LINE_VERSION},"run":"`;
  return [
    `polecat_f=${EVENT_FILE_IN_HOOK};`,
    // Outside a polecat (no run, no events directory) the hook does nothing.
    `[ -n "$GT_RUN" ] && [ -d "\${polecat_f%/*}" ] && {`,
    `polecat_x=$(sed -n ${shellQuote(extractScript())} 2>/dev/null);`,
    `polecat_t=$(date +%s%3N);`,
    `printf '%s\\n' ${shellQuote(head)}"$GT_RUN"${shellQuote(`","event":"${event}","at":`)}"$polecat_t$polecat_x}" >> "$polecat_f";`,
    `} >/dev/null 2>&1; exit 0`,
  ].join(' ');
}
