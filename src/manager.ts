/**
 * polecat's programmatic API, one import for all of it. Each part lives in src/api/ under the name of its job:
 * start.ts (start, and resume or roll back a start whose process died), stop.ts, queries.ts (status, list,
 * capture), inject.ts, many.ts (starting many, stopping a rig); runs are recorded by src/runs/recording.ts.
 */
export { planStart, planStarts, planStop, rigAddresses } from './plan.js';
export type { LocateOptions, StartOptions, StopOptions } from './plan.js';
export type { ProgressEvent } from './runs/execute.js';
export { RunRecordError, type RunOptions } from './runs/recording.js';
export { RunRefusedError } from './runs/refusal.js';
export { ForeignSessionError } from './town/session-owner.js';
export { createStartupMachine, resume, rollbackRun, start } from './api/start.js';
export { createStopMachine, stop, type StopRunOptions } from './api/stop.js';
export { capture, DEFAULT_HUNG_AFTER_MS, list, localTime, status } from './api/queries.js';
export type { Health, ListedPolecat, PaneCapture, PolecatStatus } from './api/queries.js';
export { inject, INJECT_TIMEOUT_MS } from './api/inject.js';
export { DEFAULT_PARALLEL, startMany, stopAll } from './api/many.js';
export type { StartManyOptions, StartOutcome, StopAllResult } from './api/many.js';
