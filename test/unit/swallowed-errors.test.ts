import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createActor, toPromise } from 'xstate';
import type { StartupInput } from '../../machines/startup.js';
import { RunRecordError, RunRecorder, runRecorded } from '../../src/runs/recording.js';
import { RunFiles } from '../../src/runs/store.js';
import { startupMachine, type StartupOutput } from '../../machines/startup.js';
import { fromPromise } from 'xstate';
import { STARTUP_ACTORS } from '../helpers/startup-paths.js';
import { Beads } from '../../src/beads/client.js';
import type { StepDeps } from '../../src/steps/deps.js';
import { createSession } from '../../src/steps/create-session.js';
import { rollback } from '../../src/steps/rollback.js';
import { TmuxError } from '../../src/tmux/errors.js';
import type { Tmux } from '../../src/tmux/client.js';
import { startupPlan } from '../helpers/startup-paths.js';
import { testTmpDir } from '../helpers/tmux-guard.js';

/** Errors that used to be swallowed are told: as warnings on the run, or as the failure they really are. */

/** Steps' dependencies with a tmux client made of the given answers: a call not given throws. */
function fakeDeps(tmux: Partial<Record<keyof Tmux, unknown>>): StepDeps {
  return { tmux: () => tmux as unknown as Tmux, beads: new Beads({ bin: '/nonexistent/bd' }), pollMs: 10 };
}

const tmuxFailure = (code: 'session-exists' | 'failed', subcommand: string, stderr: string) =>
  new TmuxError(code, subcommand, { argv: ['tmux', subcommand], exitCode: 1, stdout: '', stderr, durationMs: 1 });

describe('errors that are not swallowed', () => {
  it('rollback: a credentials file it cannot remove is a warning on the run', async () => {
    const dir = mkdtempSync(join(testTmpDir, 'rollback-'));
    // A directory with something in it: rm without recursive refuses it.
    const credentialsFile = join(dir, 'credentials.env');
    mkdirSync(credentialsFile);
    writeFileSync(join(credentialsFile, 'x'), '');
    const input = { runId: 'run-1', sessionMayExist: false, socket: 's', sessionName: 'gastown-Toast', beadsDir: dir, credentialsFile };
    const output = await toPromise(createActor(rollback(fakeDeps({})), { input }).start());
    expect(output.warnings).toEqual([expect.stringMatching(new RegExp(`^could not remove the credentials file ${credentialsFile}: .+`))]);
    rmSync(dir, { recursive: true });
  });

  it('createSession: when who made the session in the way cannot be read, it says so instead of blaming another start', async () => {
    const plan: StartupInput = { ...startupPlan, workDir: testTmpDir, credentialsFile: join(testTmpDir, 'credentials.env'), agent: { ...startupPlan.agent, argv: [process.execPath] } };
    const deps = fakeDeps({
      createAgentSession: async () => {
        throw tmuxFailure('session-exists', 'new-session', 'duplicate session: gastown-Toast');
      },
      showEnvironment: async () => {
        throw tmuxFailure('failed', 'show-environment', 'server exited unexpectedly');
      },
    });
    await expect(toPromise(createActor(createSession(deps), { input: plan }).start())).rejects.toThrow(
      /^session gastown-Toast already exists on socket town-abc123, and which run made it cannot be read: tmux show-environment: server exited unexpectedly$/,
    );
  });

  it('createSession: a session another run made is that run’s, said as before', async () => {
    const plan: StartupInput = { ...startupPlan, workDir: testTmpDir, credentialsFile: join(testTmpDir, 'credentials.env'), agent: { ...startupPlan.agent, argv: [process.execPath] } };
    const deps = fakeDeps({
      createAgentSession: async () => {
        throw tmuxFailure('session-exists', 'new-session', 'duplicate session: gastown-Toast');
      },
      showEnvironment: async () => ({ GT_RUN: 'another-run' }),
    });
    await expect(toPromise(createActor(createSession(deps), { input: plan }).start())).rejects.toThrow(
      'session gastown-Toast already exists on socket town-abc123: another start of this polecat got there first',
    );
  });

  it('run recording: the first write that fails is kept and told once, and nothing after it is written', () => {
    const town = mkdtempSync(join(testTmpDir, 'town-'));
    const recorder = RunRecorder.begin('start', { runId: 'run-1', rig: 'gastown', name: 'Toast', townRoot: town }, 2);
    const told: Error[] = [];
    recorder.onFailure = (error) => told.push(error);
    recorder.stateEntered('preflight');
    expect(recorder.writeError()).toBeUndefined();
    rmSync(recorder.files.dir, { recursive: true });
    recorder.stateEntered('ensureSettings');
    recorder.warning('later');
    recorder.snapshot({});
    expect(told).toHaveLength(1);
    expect(recorder.writeError()).toBe(told[0]);
    expect(told[0]!.message).toMatch(/ENOENT/);
  });

  it('run recording: a run whose record stops being writable is cancelled (rolled back) and the failure reported', async () => {
    const town = mkdtempSync(join(testTmpDir, 'town-'));
    const plan = { ...startupPlan, townRoot: town, runId: 'run-2' };
    const recorder = RunRecorder.begin('start', plan, 2);
    const undone: string[] = [];
    const actors = Object.fromEntries(
      STARTUP_ACTORS.map((id) => [
        id,
        fromPromise(async () => {
          if (id === 'rollback') {
            undone.push('rolled back');
            return { undone: [] };
          }
          // The store goes away while preflight runs: the next write fails.
          if (id === 'preflight') rmSync(recorder.files.dir, { recursive: true });
          return {};
        }),
      ]),
    );
    const actor = createActor(startupMachine.provide({ actors }), { input: plan, inspect: recorder.inspector() });
    const ran = runRecorded<StartupOutput>(actor, recorder, {}, 'start');
    await expect(ran).rejects.toThrow(RunRecordError);
    await expect(ran).rejects.toThrow(/^could not record run run-2 \(.*ENOENT.*\); it was cancelled and rolled back, ending cancelled$/);
    expect(undone).toEqual(['rolled back']);
  });

  it('run recording: taking over a run whose journal cannot be written is refused before anything', () => {
    const town = mkdtempSync(join(testTmpDir, 'town-'));
    const recorder = RunRecorder.begin('start', { runId: 'run-3', rig: 'gastown', name: 'Toast', townRoot: town }, 2);
    const journal = join(recorder.files.dir, 'journal.jsonl');
    rmSync(journal);
    mkdirSync(journal);
    const files = new RunFiles(town, 'run-3');
    expect(() => RunRecorder.takeOver(files, 'resume')).toThrow(new RegExp(`^cannot record the run under ${join(town, '.runtime', 'polecat')}: .*; nothing was done$`));
  });
});
