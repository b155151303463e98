/**
 * One line of a polecat's event file: what one hook of the agent's reported. Only names, ids, kinds and times; never
 * prompt text, tool input or messages (they can hold secrets). Written by the hook command (hook-command.ts) as one
 * short append; read back here, where a torn or foreign line is skipped and counted, never trusted.
 */
import { HOOK_NAMES, type ErrorKind, type HookName } from '../../machines/activity.js';

export const EVENT_LINE_VERSION = 1;

export interface EventLine {
  readonly v: typeof EVENT_LINE_VERSION;
  /** The run that started the agent (GT_RUN): lines of an earlier run of the same polecat are not this run's. */
  readonly run: string;
  readonly event: HookName;
  /** Milliseconds since the epoch. */
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

/** One line, checked field by field; with `run`, it must be that run's. */
export function parseEventLine(text: string, run?: string): ParsedLine {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { skipped: 'malformed' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { skipped: 'malformed' };
  const o = value as Record<string, unknown>;
  if (o.v !== EVENT_LINE_VERSION || typeof o.run !== 'string' || typeof o.at !== 'number' || !Number.isFinite(o.at)) return { skipped: 'malformed' };
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
      at: o.at,
      ...(o.tool !== undefined ? { tool: o.tool as string } : {}),
      ...(o.session !== undefined ? { session: o.session as string } : {}),
      ...(o.kind !== undefined ? { kind: o.kind as string } : {}),
      ...(o.error !== undefined ? { error: o.error as ErrorKind } : {}),
    },
  };
}
