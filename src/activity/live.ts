/**
 * A live activity machine for one polecat, kept by a long-running command (`wait`, `list --watch`, `events
 * --inspect`) and fed as evidence arrives: each look at the polecat sends the hook lines written since the last one,
 * then what the screen and the pane showed. Unlike a replay, it remembers: a state known from the screen keeps the
 * time it was first seen. A new run of the polecat (a restart) starts a new instance.
 */
import { createActor, type Actor, type InspectionEvent } from 'xstate';
import { activityMachine } from '../../machines/activity.js';
import { EventFollower } from './event-follow.js';
import { activityOfSnapshot, exitedEvent, hookEvent, type Activity, type Evidence } from './replay.js';

/** What one look at a running polecat found. */
export interface Look {
  /** The run that started its agent. */
  readonly run: string;
  readonly startedAt: number;
  readonly screen?: Evidence['screen'];
  readonly exited?: Evidence['exited'];
}

export class LiveActivity {
  private current: { readonly run: string; readonly actor: Actor<typeof activityMachine>; readonly hooks: EventFollower; heard: boolean } | undefined;

  constructor(
    private readonly eventFile: string,
    /** The Stately inspector's observer, when the instance is shown live. */
    private readonly inspect?: (event: InspectionEvent) => void,
  ) {}

  look(look: Look): Activity {
    if (this.current?.run !== look.run) {
      this.current?.actor.stop();
      const actor = createActor(activityMachine, { input: { startedAt: look.startedAt }, ...(this.inspect ? { inspect: this.inspect } : {}) }).start();
      this.current = { run: look.run, actor, hooks: new EventFollower(this.eventFile, look.run), heard: false };
    }
    const { actor, hooks } = this.current;
    for (const line of hooks.next()) {
      this.current.heard = true;
      actor.send(hookEvent(line));
    }
    if (look.screen) actor.send({ type: 'SCREEN', ...look.screen });
    if (look.exited) actor.send(exitedEvent(look.exited));
    return activityOfSnapshot(actor.getSnapshot());
  }

  /** The agent's hooks have written for this run: they, not the screen, are the first word on what it does. */
  get hearsHooks(): boolean {
    return this.current?.heard === true;
  }

  stop(): void {
    this.current?.actor.stop();
    this.current = undefined;
  }
}
