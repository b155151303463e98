import { describe, expect, it } from 'vitest';
import { createActor, fromPromise, type AnyStateNode } from 'xstate';
import { STEP_ORDER, startupMachine, type StartupContext, type StartupInput } from '../../machines/startup.js';
import { STARTUP_ACTORS, startupPlan } from '../helpers/startup-paths.js';

const OUTPUTS: Record<string, unknown> = {
  validateIssue: { status: 'open' },
  createSession: { paneId: '%1', panePid: 4242 },
  acceptBypass: { answered: [] },
  rollback: { undone: [] },
};

/** Runs the machine with every step answering at once; returns the states it entered and its last context. */
async function run(input: StartupInput, failAt?: string): Promise<{ entered: string[]; context: StartupContext }> {
  const actors = Object.fromEntries(
    STARTUP_ACTORS.map((id) => [
      id,
      fromPromise(async () => {
        if (id === failAt) throw new Error(`${id} failed`);
        return OUTPUTS[id] ?? {};
      }),
    ]),
  );
  const entered: string[] = [];
  const actor = createActor(startupMachine.provide({ actors }), {
    input,
    inspect: (event) => {
      if (event.type === '@xstate.microstep' && event.actorRef === actor) entered.push(String((event.snapshot as unknown as { value: unknown }).value));
    },
  });
  entered.push(String(actor.getSnapshot().value));
  return new Promise((resolve) => {
    actor.subscribe((snapshot) => {
      if (snapshot.status === 'done') resolve({ entered, context: snapshot.context });
    });
    actor.start();
  });
}

describe('startup machine', () => {
  it('without an issue never enters validateIssue or hook, so the hook is never marked as started', async () => {
    const { entered, context } = await run(startupPlan, 'verifyAlive');
    expect(entered).not.toContain('validateIssue');
    expect(entered).not.toContain('hook');
    expect(entered).toContain('theme');
    expect(context.hookStarted).toBe(false);
    expect(context.result).toBe('failed');
  });

  it('with an issue enters both, and marks the hook as started when it begins', async () => {
    const { entered, context } = await run({ ...startupPlan, issue: 'gt-abc' }, 'verifyAlive');
    expect(entered).toContain('validateIssue');
    expect(entered).toContain('hook');
    expect(context.hookStarted).toBe(true);
    expect(context.issueBefore).toEqual({ status: 'open' });
  });

  it('lists its steps in the order a start with an issue takes them, each described', async () => {
    const { entered } = await run({ ...startupPlan, issue: 'gt-abc' });
    expect(entered.filter((state) => (STEP_ORDER as readonly string[]).includes(state))).toEqual(STEP_ORDER);
    expect(entered.at(-1)).toBe('running');
    expect(STEP_ORDER).toHaveLength(12);
    for (const step of STEP_ORDER) expect(startupMachine.root.states[step]?.description, step).toMatch(/\w{3,}/);
  });

  it('invokes, in every step state, the slot of the same name', () => {
    for (const step of STEP_ORDER) {
      const node = startupMachine.root.states[step] as AnyStateNode;
      expect(node.invoke.map((i) => i.src), step).toEqual([step]);
    }
  });
});
