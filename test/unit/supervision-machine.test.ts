/**
 * What supervision does with deaths, restarts and DOWN, its restart being the real startup machine (its steps fakes
 * that answer at once, or fail, or wait for a CANCEL), its backoff and planning fakes that record what they were given.
 */
import { describe, expect, it } from 'vitest';
import { createActor, fromPromise, waitFor, type AnyActorRef } from 'xstate';
import { startupMachine } from '../../machines/startup.js';
import { DEFAULT_SUPERVISION_POLICY, supervisionMachine, type PlannedRestart, type PlanRestartInput, type RestoredSupervision, type Settled, type SupervisedPolecat, type SupervisionEvent, type SupervisionPolicy } from '../../machines/supervision.js';
import { STARTUP_ACTORS, startupPlan } from '../helpers/startup-paths.js';

const OUTPUTS: Record<string, unknown> = {
  validateIssue: { status: 'open' },
  createSession: { paneId: '%1', panePid: 4242 },
  acceptBypass: { answered: [] },
  rollback: { undone: ['killed session gastown-Toast'] },
};

type StartBehaviour = 'runs' | 'fails' | 'hangs';

/** The startup machine as supervision invokes it, its steps fakes: every start behaves as the next of `starts`. */
function fakeStartup(starts: StartBehaviour[], log: string[]) {
  let n = 0;
  return startupMachine.provide({
    actors: Object.fromEntries(
      STARTUP_ACTORS.map((id) => [
        id,
        fromPromise(async ({ signal }) => {
          const behaviour = starts[Math.min(n, starts.length - 1)]!;
          if (id === 'verifyAlive') n += 1;
          if (id === 'rollback') log.push('rollback');
          if (id === 'waitForReady' && behaviour === 'hangs') await new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted'))));
          if (id === 'verifyAlive' && behaviour === 'fails') throw new Error('the agent exited at once');
          return OUTPUTS[id] ?? {};
        }),
      ]),
    ) as never,
  });
}

async function supervise(
  starts: StartBehaviour[],
  policy: Partial<SupervisionPolicy> = {},
  planError?: Error,
  foundRunning?: string,
  carried: { restored?: RestoredSupervision; settle?: () => Promise<Settled> } = {},
) {
  const sleeps: number[] = [];
  const log: string[] = [];
  let clock = 10_000;
  let runs = 0;
  const machine = supervisionMachine.provide({
    actors: {
      settle: fromPromise<Settled, { polecat: SupervisedPolecat }>(() => (carried.settle ? carried.settle() : Promise.resolve({ runs: [], at: clock }))),
      sleep: fromPromise<void, { ms: number }>(async ({ input }) => {
        sleeps.push(input.ms);
        clock += input.ms;
      }),
      planRestart: fromPromise<PlannedRestart, PlanRestartInput>(async ({ input }) => {
        if (planError) throw planError;
        if (foundRunning) return { alreadyRunning: { run: foundRunning }, at: clock };
        log.push(`plan after ${input.previousRun}`);
        runs += 1;
        return { plan: { ...startupPlan, runId: `run-${runs}` }, at: clock };
      }),
      restart: fakeStartup(starts, log),
    },
  });
  const actor = createActor(machine, {
    input: { polecat: { rig: 'gastown', name: 'Toast', townRoot: '/town' }, policy: { ...DEFAULT_SUPERVISION_POLICY, ...policy }, upSince: clock, run: 'run-0', ...(carried.restored ? { restored: carried.restored } : {}) },
  }).start();
  if (!carried.settle) await waitFor(actor as AnyActorRef, (s) => String(s.value) !== 'settling', { timeout: 2_000 });
  const died = (afterMs = 1_000): SupervisionEvent => {
    clock += afterMs;
    return { type: 'DIED', at: clock, reason: 'agent-exited', exitStatus: 1 };
  };
  const settled = () => waitFor(actor as AnyActorRef, (s) => ['watching', 'quarantined', 'down'].includes(String(s.value)), { timeout: 2_000 });
  return { actor, sleeps, log, died, settled, now: () => clock };
}

describe('supervision machine', () => {
  it('restarts a dead agent after the backoff, as a run following the last one, then watches it', async () => {
    const s = await supervise(['runs']);
    s.actor.send(s.died());
    await s.settled();
    expect(String(s.actor.getSnapshot().value)).toBe('watching');
    expect(s.sleeps).toEqual([1_000]);
    expect(s.log).toEqual(['plan after run-0']);
    expect(s.actor.getSnapshot().context).toMatchObject({ run: 'run-1', restarts: [expect.any(Number)] });
  });

  it('doubles the backoff while the agent does not stay up, and starts from the least again after it has', async () => {
    const s = await supervise(['runs'], { maxRestarts: 100 });
    for (let i = 0; i < 4; i++) {
      s.actor.send(s.died(1_000));
      await s.settled();
    }
    s.actor.send(s.died(DEFAULT_SUPERVISION_POLICY.stableAfterMs));
    await s.settled();
    expect(s.sleeps).toEqual([1_000, 2_000, 4_000, 8_000, 1_000]);
  });

  it('never waits longer than the most', async () => {
    const s = await supervise(['runs'], { maxRestarts: 100, backoffMaxMs: 3_000 });
    for (let i = 0; i < 4; i++) {
      s.actor.send(s.died(1));
      await s.settled();
    }
    expect(s.sleeps).toEqual([1_000, 2_000, 3_000, 3_000]);
  });

  it('counts a start that fails (rolled back) as a crash, and quarantines a polecat that restarts more than allowed in the window', async () => {
    const s = await supervise(['fails'], { maxRestarts: 3 });
    s.actor.send(s.died());
    await s.settled();
    const { value, context } = s.actor.getSnapshot();
    expect(String(value)).toBe('quarantined');
    expect(s.log.filter((line) => line === 'rollback')).toHaveLength(3);
    expect(s.sleeps).toEqual([1_000, 2_000, 4_000]);
    expect(context.quarantined?.why).toMatch(/^3 restarts within 10 min, the last failed at verifyAlive: the agent exited at once$/);
    // Put up again: a start at once, its count and backoff reset.
    s.actor.send({ type: 'UP', at: s.now() });
    await waitFor(s.actor as AnyActorRef, (snap) => snap.context.restarts.length === 1);
    expect(s.actor.getSnapshot().context.quarantined).toBeUndefined();
  });

  it('quarantines at a death past the limit without starting again', async () => {
    const s = await supervise(['runs'], { maxRestarts: 2 });
    for (let i = 0; i < 3; i++) {
      s.actor.send(s.died());
      await s.settled();
    }
    expect(String(s.actor.getSnapshot().value)).toBe('quarantined');
    expect(s.log.filter((line) => line.startsWith('plan'))).toHaveLength(2);
  });

  it('watches a polecat found running when its restart was planned (started meanwhile by someone else), restarting nothing', async () => {
    const s = await supervise(['runs'], {}, undefined, 'run-by-user');
    s.actor.send(s.died());
    await s.settled();
    expect(s.actor.getSnapshot().context).toMatchObject({ run: 'run-by-user', restarts: [] });
    expect(s.log).not.toContain('rollback');
  });

  it('quarantines when no restart can be planned, saying why', async () => {
    const s = await supervise(['runs'], {}, new Error('agents.json: invalid JSON'));
    s.actor.send(s.died());
    await s.settled();
    expect(s.actor.getSnapshot().context.quarantined?.why).toBe('no restart could be planned: agents.json: invalid JSON');
  });

  it('DOWN while watching or in backoff ends supervision, nothing started', async () => {
    const watching = await supervise(['runs']);
    watching.actor.send({ type: 'DOWN', at: watching.now() });
    expect(watching.actor.getSnapshot().status).toBe('done');
    const s = await supervise(['runs']);
    // A backoff that never ends by itself.
    const hanging = supervisionMachine.provide({
      actors: { settle: fromPromise<Settled, { polecat: SupervisedPolecat }>(async () => ({ runs: [], at: 0 })), sleep: fromPromise(() => new Promise<void>(() => undefined)) },
    });
    const actor = createActor(hanging, { input: { polecat: { rig: 'gastown', name: 'Toast', townRoot: '/town' }, policy: DEFAULT_SUPERVISION_POLICY, upSince: 0 } }).start();
    await waitFor(actor as AnyActorRef, (snap) => String(snap.value) === 'watching');
    actor.send(s.died());
    expect(String(actor.getSnapshot().value)).toBe('backoff');
    actor.send({ type: 'DOWN', at: s.now() });
    expect(actor.getSnapshot().status).toBe('done');
    expect(actor.getSnapshot().output).toMatchObject({ restarts: 0, cancelledRestart: false });
  });

  it('DOWN during a restart cancels the start, which rolls back, and ends supervision once it has', async () => {
    const s = await supervise(['hangs']);
    s.actor.send(s.died());
    await waitFor(s.actor as AnyActorRef, (snap) => String(snap.value) === 'restarting');
    const child = s.actor.getSnapshot().children.restart as AnyActorRef;
    await waitFor(child, (snap) => String(snap.value) === 'waitForReady');
    s.actor.send({ type: 'DOWN', at: s.now() });
    const done = await waitFor(s.actor as AnyActorRef, (snap) => snap.status === 'done', { timeout: 2_000 });
    expect(done.output).toMatchObject({ cancelledRestart: true, restarts: 1 });
    expect(s.log).toContain('rollback');
    expect(child.getSnapshot().output).toMatchObject({ result: 'cancelled', cancelledIn: 'waitForReady' });
  });

  describe('carrying on from an earlier supervisor', () => {
    it('stays quarantined when the earlier one had quarantined it, until UP', async () => {
      const s = await supervise(['runs'], {}, undefined, undefined, { restored: { restarts: [1, 2, 3], backoffMs: 4_000, quarantined: { at: 3, why: '5 restarts within 10 min' } } });
      expect(String(s.actor.getSnapshot().value)).toBe('quarantined');
      expect(s.actor.getSnapshot().context.quarantined?.why).toBe('5 restarts within 10 min');
      s.actor.send({ type: 'UP', at: s.now() });
      await s.settled();
      expect(s.actor.getSnapshot().context).toMatchObject({ run: 'run-1', restarts: [expect.any(Number)] });
    });

    it('waits what was left of a backoff, then restarts, counting the earlier restarts in the window', async () => {
      const s = await supervise(['runs'], {}, undefined, undefined, { restored: { restarts: [9_000], backoffMs: 2_000, backoffLeftMs: 700 } });
      await s.settled();
      expect(s.sleeps).toEqual([700]);
      expect(s.actor.getSnapshot().context.restarts).toHaveLength(2);
      // The next death doubles the backoff it had reached.
      s.actor.send(s.died(10));
      await s.settled();
      expect(s.sleeps).toEqual([700, 4_000]);
    });

    it('watches the run an interrupted start was resumed to', async () => {
      const s = await supervise(['runs'], {}, undefined, undefined, { settle: async () => ({ runs: [{ run: 'run-cut', how: 'resumed' }], running: { run: 'run-cut' }, at: 5 }) });
      await s.settled();
      expect(s.actor.getSnapshot().context).toMatchObject({ run: 'run-cut', upSince: 5 });
      expect(s.log).toEqual([]);
    });

    it('quarantines, saying why, when an interrupted start can be neither resumed nor rolled back', async () => {
      const s = await supervise(['runs'], {}, undefined, undefined, { settle: async () => Promise.reject(new Error('run run-cut: its rollback failed')) });
      await s.settled();
      expect(String(s.actor.getSnapshot().value)).toBe('quarantined');
      expect(s.actor.getSnapshot().context.quarantined?.why).toBe('an interrupted start could not be settled: run run-cut: its rollback failed');
    });

    it('lets a settling finish when put down during it, then ends', async () => {
      let finish: (settled: Settled) => void = () => undefined;
      const s = await supervise(['runs'], {}, undefined, undefined, { settle: () => new Promise<Settled>((resolve) => (finish = resolve)) });
      s.actor.send({ type: 'DOWN', at: s.now() });
      expect(String(s.actor.getSnapshot().value)).toBe('settling');
      finish({ runs: [{ run: 'run-cut', how: 'rolled back' }], at: 6 });
      const done = await waitFor(s.actor as AnyActorRef, (snap) => snap.status === 'done', { timeout: 2_000 });
      expect(done.output).toMatchObject({ restarts: 0, cancelledRestart: false });
    });
  });
});
