/** Supervision in words, for status, list and `supervise --status`: up or down, restarts in the window, backoff, quarantine. */
import type { DesiredState } from './desired.js';
import { supervisedNow, type SupervisionRecord } from './supervision-file.js';

/** What status and list carry (--json) of a polecat's supervision. */
export interface SupervisionView {
  /** Whether the supervisor that keeps this record still runs. */
  readonly supervised: boolean;
  readonly state: string;
  readonly restartsInWindow: number;
  readonly windowMs: number;
  readonly maxRestarts: number;
  readonly backoffUntil?: string;
  readonly quarantined?: { readonly at: string; readonly why: string };
  readonly hungSince?: string;
  readonly lastFailure?: string;
  readonly updatedAt: string;
}

/** The view of a record; undefined when it predates the last `up` (the supervisor has not seen that yet). */
export function viewOf(record: SupervisionRecord | undefined, want: Pick<DesiredState, 'want' | 'since'> | undefined, now = Date.now()): SupervisionView | undefined {
  if (!record) return undefined;
  if (want && Date.parse(record.updatedAt) < Date.parse(want.since)) return undefined;
  return {
    supervised: supervisedNow(record),
    state: record.state,
    restartsInWindow: record.restarts.filter((at) => Date.parse(at) > now - record.windowMs).length,
    windowMs: record.windowMs,
    maxRestarts: record.maxRestarts,
    ...(record.backoffUntil !== undefined ? { backoffUntil: record.backoffUntil } : {}),
    ...(record.quarantined ? { quarantined: record.quarantined } : {}),
    ...(record.hungSince !== undefined ? { hungSince: record.hungSince } : {}),
    ...(record.lastFailure !== undefined ? { lastFailure: record.lastFailure } : {}),
    updatedAt: record.updatedAt,
  };
}

const clock = (iso: string) => new Date(iso).toLocaleTimeString();

function minutes(ms: number): string {
  return ms % 60_000 === 0 ? `${ms / 60_000} min` : `${Math.round(ms / 1000)} s`;
}

/**
 * One line: `up`, `up, 2 restarts in 10 min`, `up, restarting in 4 s (backoff until 15:30:01)`, `up, quarantined: …`,
 * `down`; `, no supervisor running` when nobody keeps it up now.
 */
export function describeSupervision(polecat: string, want: Pick<DesiredState, 'want'> | undefined, view: SupervisionView | undefined, now = Date.now()): string {
  if (!want) return '-';
  if (want.want === 'down') return 'down';
  if (!view) return 'up, not supervised yet (polecat supervise)';
  const parts = ['up'];
  switch (view.state) {
    case 'backoff': {
      const left = view.backoffUntil !== undefined ? Math.max(0, Math.ceil((Date.parse(view.backoffUntil) - now) / 1000)) : undefined;
      parts.push(left !== undefined ? `restarting in ${left} s (backoff until ${clock(view.backoffUntil!)})` : 'in a backoff');
      break;
    }
    case 'planning':
    case 'restarting':
      parts.push('restarting');
      break;
    case 'settling':
      parts.push('settling an interrupted start');
      break;
    case 'quarantined':
      parts.push(`quarantined: ${view.quarantined?.why ?? 'too many restarts'} (polecat up ${polecat} to try again)`);
      break;
  }
  if (view.restartsInWindow > 0 && view.state !== 'quarantined') parts.push(`${view.restartsInWindow} restart${view.restartsInWindow === 1 ? '' : 's'} in ${minutes(view.windowMs)}`);
  if (view.hungSince !== undefined) parts.push(`hung since ${clock(view.hungSince)}`);
  if (!view.supervised) parts.push('no supervisor running');
  return parts.join(', ');
}
