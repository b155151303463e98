import type { StopStepInput } from '../../../machines/stop.js';
import type { ProcessEntry } from '../../proc/process-tree.js';

/** The snapshot keeps pid and start time, so a pid reused by an unrelated process is never signalled. */
export function asEntries(processes: StopStepInput['processes']): ProcessEntry[] {
  return processes.map((p) => ({ ...p, ppid: 0, pgid: 0, sid: 0, tty: 0, tpgid: -1, cpuTicks: 0, running: false }));
}
