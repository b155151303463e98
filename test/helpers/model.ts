import { getSimplePaths } from 'xstate/graph';
import { createActor, fromPromise, type AnyEventObject, type AnyStateMachine, type AnyStateNode, type AnyTransitionDefinition } from 'xstate';

/** Every transition the machine defines (event-driven and eventless), from its top-level states. */
export function allTransitions(machine: AnyStateMachine): AnyTransitionDefinition[] {
  const result: AnyTransitionDefinition[] = [];
  for (const node of Object.values(machine.root.states) as AnyStateNode[]) {
    for (const definitions of node.transitions.values()) result.push(...definitions);
    result.push(...(node.always ?? []));
  }
  return result;
}

export function describeTransition(t: AnyTransitionDefinition): string {
  const targets = (t.target ?? []).map((n: AnyStateNode) => n.key).join(',');
  const guard = typeof t.guard === 'string' ? t.guard : (t.guard as { type?: string } | undefined)?.type;
  return `${t.source.key} --${t.eventType || 'always'}${guard ? `[${guard}]` : ''}--> ${targets}`;
}

/** `xstate.done.actor.<id>` / `xstate.error.actor.<id>` → the invoked actor's id. */
function actorIdOf(event: AnyEventObject): string | undefined {
  const match = /^xstate\.(done|error)\.actor\.(.+)$/.exec(event.type);
  return match?.[2];
}

export interface Replay {
  readonly states: string[];
  readonly finalValue: string;
  /** Described with describeTransition: provide() makes new transition objects, so identity cannot be compared. */
  readonly taken: Set<string>;
  /** The machine's output. */
  readonly output: unknown;
}

/**
 * Replays a generated path on the real machine: every invoked step is a fake that answers with the path's next
 * event (resolves for done, rejects for error), and a path's other events (CANCEL, DIED, DOWN, …) are sent to the
 * machine: while a step runs, by that step; in a state that runs none, once the machine has settled there.
 * An event that leaves the state stops the step (its signal aborts); one the state only records leaves the step
 * running, and the step then answers with the event after it.
 * Returns the states the machine went through and the transitions it took.
 */
/**
 * An invoked machine replayed as itself rather than faked: its own steps are fakes that succeed, except `failStep`
 * when the path's answer for this child says it `failed`; a CANCEL the parent sends it is its own to handle (it rolls
 * back). The path's answer for the child (`xstate.done.actor.<id>`) is taken by its first step.
 */
export interface RealChild {
  readonly machine: AnyStateMachine;
  /** Its invoked steps, and the one that runs first (each invocation begins there). */
  readonly stepIds: readonly string[];
  readonly firstStep: string;
  readonly outputs: Readonly<Record<string, unknown>>;
  readonly failStep: string;
}

export async function replayPath(
  machine: AnyStateMachine,
  actorIds: readonly string[],
  input: unknown,
  events: readonly AnyEventObject[],
  realChildren: Readonly<Record<string, RealChild>> = {},
): Promise<Replay> {
  const script = events.filter((e) => e.type !== 'xstate.init');
  const taken = new Set<string>();
  const states: string[] = [];
  let cursor = 0;
  /** Steps running now: while one is, it sends the path's next event; while none is, the driver below does. */
  let running = 0;
  // eslint-disable-next-line prefer-const
  let actorRef: ReturnType<typeof createActor> | undefined;
  const external = (event: AnyEventObject | undefined) => event !== undefined && actorIdOf(event) === undefined;
  const drive = () =>
    setTimeout(() => {
      while (running === 0 && external(script[cursor]) && actorRef!.getSnapshot().status === 'active') actorRef!.send(script[cursor++]!);
    }, 0);

  /** The path's events up to its answer for step `id` (the others sent to the machine on the way), then that answer. */
  const answerFor = async (id: string, signal: AbortSignal): Promise<AnyEventObject> => {
    for (;;) {
      const event = script[cursor];
      if (!event) throw new Error(`path has no event left for step ${id}`);
      cursor += 1;
      if (external(event)) {
        // Sent once this step is running (not from inside the transition that started it), then looked at:
        // a stopped step is done with; a step still running goes on to the path's next event.
        await new Promise<void>((resolve) => queueMicrotask(resolve));
        actorRef!.send(event);
        if (signal.aborted) throw new Error('aborted');
        continue;
      }
      if (actorIdOf(event) !== id) throw new Error(`path expected ${event.type} while step ${id} runs`);
      return event;
    }
  };
  /** Counted as running until its answer has reached the machine: the driver must not send the path's next event to the state this step is leaving. */
  const counted = async <T>(body: () => Promise<T>): Promise<T> => {
    running += 1;
    try {
      return await body();
    } finally {
      setTimeout(() => {
        running -= 1;
        drive();
      }, 0);
    }
  };

  const fakes: Record<string, unknown> = Object.fromEntries(
    actorIds.map((id) => [
      id,
      fromPromise(({ signal }) =>
        counted(async () => {
          const event = await answerFor(id, signal);
          if (event.type.startsWith('xstate.error.')) throw (event as { error?: unknown }).error ?? new Error('fake failure');
          return (event as { output?: unknown }).output;
        }),
      ),
    ]),
  );
  for (const [id, child] of Object.entries(realChildren)) {
    // The answer the running invocation of this child acts out (taken by its first step).
    let answer: AnyEventObject | undefined;
    const steps = Object.fromEntries(
      child.stepIds.map((step) => [
        step,
        fromPromise(({ signal }) =>
          counted(async () => {
            if (step === child.firstStep) answer = await answerFor(id, signal);
            if (signal.aborted) throw new Error('aborted');
            const failed = (answer as { output?: { result?: string } } | undefined)?.output?.result === 'failed';
            if (step === child.failStep && failed) throw new Error(`${step} failed, as the path says the start does`);
            return child.outputs[step] ?? {};
          }),
        ),
      ]),
    );
    fakes[id] = child.machine.provide({ actors: steps });
  }

  actorRef = createActor(machine.provide({ actors: fakes as never }), {
    input,
    inspect: (inspection) => {
      if (inspection.type === '@xstate.microstep' && inspection.actorRef === actorRef) {
        for (const t of (inspection as { _transitions: AnyTransitionDefinition[] })._transitions) taken.add(describeTransition(t));
      }
    },
  });
  let output: unknown;
  await new Promise<void>((resolve, reject) => {
    actorRef!.subscribe({
      next: (snapshot) => {
        const value = String(snapshot.value);
        if (states[states.length - 1] !== value) states.push(value);
        drive();
        if (snapshot.status === 'done') {
          output = snapshot.output;
          resolve();
        }
      },
      error: reject,
    });
    actorRef!.start();
  });
  return { states, finalValue: states[states.length - 1]!, taken, output };
}

export interface CompletePath<TInput> {
  readonly input: TInput;
  /** The events that drive the path, in order (the first is xstate.init). */
  readonly events: AnyEventObject[];
  /** For each event, the state it arrived in ('' for xstate.init). */
  readonly arrivedIn: string[];
  /** The states the path goes through, consecutive repeats folded. */
  readonly states: string[];
  readonly finalValue: string;
}

/**
 * Every simple path from the initial state to a final state, for each input. Simple paths also lead to states
 * that are not final; only complete runs are kept.
 */
export function completePaths<TInput>(
  machine: AnyStateMachine,
  inputs: readonly TInput[],
  events: readonly AnyEventObject[],
  serializeState: (snapshot: { value: unknown; context: any }) => string,
): CompletePath<TInput>[] {
  return inputs.flatMap((input) =>
    getSimplePaths(machine, { input, events: events as never, serializeState: serializeState as never })
      .filter((path) => path.state.status === 'done')
      .map((path) => ({
        input,
        events: path.steps.map((step) => step.event as AnyEventObject),
        arrivedIn: path.steps.map((_step, i) => (i === 0 ? '' : String(path.steps[i - 1]!.state.value))),
        states: path.steps.map((step) => String(step.state.value)).filter((v, i, all) => i === 0 || all[i - 1] !== v),
        finalValue: String(path.state.value),
      })),
  );
}
