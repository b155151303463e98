import { constants } from 'node:os';

const osSignals: Readonly<Record<string, number>> = constants.signals;

/**
 * tmux format queries built from one field table: the `-F` template and its parser come from the same list,
 * joined by a separator no value here can contain, and a row with the wrong number of fields is an error.
 */
export const FIELD_SEPARATOR = '\x1f';

export type FieldKind = 'string' | 'int' | 'bool';
export type FieldTable = Readonly<Record<string, readonly [variable: string, kind: FieldKind]>>;

type FieldValue<K extends FieldKind> = K extends 'int' ? number | undefined : K extends 'bool' ? boolean : string;
export type Row<T extends FieldTable> = { -readonly [P in keyof T]: FieldValue<T[P][1]> };

/**
 * Text for an argument tmux expands as a format (`-c` start directories, `status-left`), taken literally: `#{...}`
 * would be replaced and `#(...)` run as a shell command; `##` is tmux's escape for one `#`.
 */
export function formatLiteral(text: string): string {
  return text.replace(/#/g, '##');
}

export function formatTemplate(table: FieldTable): string {
  return Object.values(table)
    .map(([variable]) => `#{${variable}}`)
    .join(FIELD_SEPARATOR);
}

export function parseRow<T extends FieldTable>(table: T, line: string): Row<T> {
  const values = line.split(FIELD_SEPARATOR);
  const keys = Object.keys(table);
  if (values.length !== keys.length) {
    throw new Error(`tmux format row has ${values.length} fields, expected ${keys.length}: ${JSON.stringify(line)}`);
  }
  const row: Record<string, unknown> = {};
  keys.forEach((key, index) => {
    const [, kind] = table[key]!;
    const raw = values[index]!;
    row[key] = kind === 'int' ? parseIntOrUndefined(raw) : kind === 'bool' ? raw === '1' : raw;
  });
  return row as Row<T>;
}

export function parseRows<T extends FieldTable>(table: T, output: string): Row<T>[] {
  return output
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => parseRow(table, line));
}

function parseIntOrUndefined(raw: string): number | undefined {
  return /^-?\d+$/.test(raw) ? Number(raw) : undefined;
}

export const PANE_FIELDS = {
  sessionId: ['session_id', 'string'],
  sessionName: ['session_name', 'string'],
  paneId: ['pane_id', 'string'],
  panePid: ['pane_pid', 'int'],
  currentCommand: ['pane_current_command', 'string'],
  dead: ['pane_dead', 'bool'],
  deadStatus: ['pane_dead_status', 'int'],
  deadSignal: ['pane_dead_signal', 'int'],
  width: ['pane_width', 'int'],
  height: ['pane_height', 'int'],
} as const satisfies FieldTable;

export const SESSION_FIELDS = {
  sessionId: ['session_id', 'string'],
  name: ['session_name', 'string'],
  created: ['session_created', 'int'],
  activity: ['session_activity', 'int'],
  attached: ['session_attached', 'int'],
  windows: ['session_windows', 'int'],
  rig: ['@polecat_rig', 'string'],
  polecat: ['@polecat_name', 'string'],
  town: ['@polecat_town', 'string'],
  agentPane: ['@polecat_pane', 'string'],
  agentName: ['@polecat_agent', 'string'],
  run: ['@polecat_run', 'string'],
  paneId: ['pane_id', 'string'],
  panePid: ['pane_pid', 'int'],
  currentCommand: ['pane_current_command', 'string'],
  paneDead: ['pane_dead', 'bool'],
  paneDeadStatus: ['pane_dead_status', 'int'],
  paneDeadSignal: ['pane_dead_signal', 'int'],
} as const satisfies FieldTable;

export type PaneInfo = Row<typeof PANE_FIELDS>;

/** How a dead pane's process ended, as a person reads it: `status 3`, `signal 9 (SIGKILL)`, or `unknown`. */
export function describeExit(status: number | undefined, signal: number | undefined): string {
  if (signal !== undefined) {
    const name = Object.entries(osSignals).find(([, number]) => number === signal)?.[0];
    return `signal ${signal}${name ? ` (${name})` : ''}`;
  }
  return status !== undefined ? `status ${status}` : 'unknown status';
}
export type SessionRow = Row<typeof SESSION_FIELDS>;
