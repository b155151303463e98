/** An activity as a person reads it in `status` and `list`: `idle 2m (hook)`, `waiting: permission (Bash)`. */
import type { Activity } from './replay.js';

function age(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

const ERRORS: Record<string, string> = { authentication_failed: 'authentication', rate_limit: 'rate limit', server_error: 'server error', unknown: 'unknown error' };

/** Why a turn failed, in words: `rate limit`, `server error`, `authentication`, `unknown error`. */
export function errorWords(error: Activity['error']): string {
  return ERRORS[error ?? 'unknown'] ?? String(error);
}

export function describeActivity(activity: Activity, now: number): string {
  const how = `${age(now - activity.since)} (${activity.source})`;
  switch (activity.state) {
    case 'waiting':
      return `waiting: permission${activity.tool !== undefined ? ` (${activity.tool})` : ''} ${how}`;
    case 'errored':
      return `errored: ${errorWords(activity.error)} ${how}`;
    case 'busy':
      return `busy ${how}${activity.tool !== undefined ? `, last tool ${activity.tool}` : ''}`;
    case 'exited': {
      const exit = activity.exit;
      const code = exit?.status !== undefined ? ` ${exit.status}` : exit?.signal !== undefined ? ` ${exit.signal}` : '';
      return `exited${code} ${how}`;
    }
    default:
      return `${activity.state} ${how}`;
  }
}
