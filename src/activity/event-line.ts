/**
 * One line of a polecat's event file: what one hook of the agent's reported. Only names, ids, kinds and times; never
 * prompt text, tool input or messages (they can hold secrets). Written by the hook command (hook-command.ts) as one
 * short append; read back here, where a torn or foreign line is skipped and counted, never trusted.
 */
import { uptime } from 'node:os';
import { HOOK_NAMES, type ErrorKind, type HookName } from '../../machines/activity.js';

export const EVENT_LINE_VERSION = 1;

export interface EventLine {
  readonly v: typeof EVENT_LINE_VERSION;
  /** The run that started the agent (GT_RUN): lines of an earlier run of the same polecat are not this run's. */
  readonly run: string;
  readonly event: HookName;
  /** Milliseconds since the epoch (the hook writes the machine's uptime, `up`, which reading turns into this). */
  readonly at: number;
  readonly tool?: string;
  /** The agent's own session id. */
  readonly session?: string;
  /** Notification's kind (`permission_prompt`, `idle_prompt`). */
  readonly kind?: string;
  readonly error?: ErrorKind;
}

/** The characters a value may have: what tool names, session ids and kinds are made of, and nothing JSON must escape. */
export const SAFE_VALUE = /^[A-Za-z0-9_.:@-]{1,100}$/;
const ERROR_KINDS: readonly ErrorKind[] = ['authentication_failed', 'rate_limit', 'server_error', 'unknown'];

export type ParsedLine = { readonly line: EventLine } | { readonly skipped: 'malformed' | 'foreign' };

/** When the machine booted, in milliseconds since the epoch: what turns a hook's uptime into a time of day. */
export function bootTime(): number {
  return Date.now() - uptime() * 1000;
}

const UPTIME = /^\d{1,12}\.\d{1,3}$/;

/** The line's time: `at` as written, or its uptime `up` counted from the boot time. */
function timeOf(o: Record<string, unknown>, boot: number): number | undefined {
  if (typeof o.at === 'number') return Number.isFinite(o.at) ? o.at : undefined;
  if (typeof o.up === 'string' && UPTIME.test(o.up)) return Math.round(boot + Number(o.up) * 1000);
  return undefined;
}

/** One line, checked field by field; with `run`, it must be that run's. */
export function parseEventLine(text: string, run?: string, boot: number = bootTime()): ParsedLine {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { skipped: 'malformed' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { skipped: 'malformed' };
  const o = value as Record<string, unknown>;
  const at = timeOf(o, boot);
  if (o.v !== EVENT_LINE_VERSION || typeof o.run !== 'string' || at === undefined) return { skipped: 'malformed' };
  if (typeof o.event !== 'string' || !(HOOK_NAMES as readonly string[]).includes(o.event)) return { skipped: 'malformed' };
  for (const key of ['tool', 'session', 'kind'] as const) {
    if (o[key] !== undefined && (typeof o[key] !== 'string' || !SAFE_VALUE.test(o[key] as string))) return { skipped: 'malformed' };
  }
  if (o.error !== undefined && !ERROR_KINDS.includes(o.error as ErrorKind)) return { skipped: 'malformed' };
  if (run !== undefined && o.run !== run) return { skipped: 'foreign' };
  return {
    line: {
      v: EVENT_LINE_VERSION,
      run: o.run,
      event: o.event as HookName,
      at,
      ...(o.tool !== undefined ? { tool: o.tool as string } : {}),
      ...(o.session !== undefined ? { session: o.session as string } : {}),
      ...(o.kind !== undefined ? { kind: o.kind as string } : {}),
      ...(o.error !== undefined ? { error: o.error as ErrorKind } : {}),
    },
  };
}
