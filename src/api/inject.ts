import { randomUUID } from 'node:crypto';
import { loadAgents } from '../agents/config.js';
import { findAgent } from '../agents/launch.js';
import { locate, type LocateOptions } from '../plan.js';
import { acquireLock, awaitLock, type PolecatLock } from '../runs/lock.js';
import { RunRefusedError } from '../runs/refusal.js';
import { createStepDeps, type StepDeps } from '../steps/deps.js';
import { awaitArrival, deliveryCheck, isBlank, sanitizeText, submit, typeText } from '../steps/deliver.js';
import { PaneWatcher } from '../steps/watch.js';
import { InvalidInputError, type PolecatAddress } from '../town/names.js';
import { agentAlive, ownSession } from '../town/session-owner.js';

/** How long an inject waits for another inject to the same polecat, and for its own text to be taken. */
export const INJECT_TIMEOUT_MS = 30_000;

/**
 * Types text into a running polecat's agent and submits it once, checked on screen: one line typed literally, several
 * lines pasted. Injects to one polecat take turns (a lock of their own), so two never interleave.
 */
export async function inject(address: PolecatAddress, text: string, options: LocateOptions & { deps?: StepDeps; timeoutMs?: number } = {}): Promise<{ polecat: string; bytes: number }> {
  const clean = sanitizeText(text);
  if (isBlank(clean)) throw new InvalidInputError('nothing to inject: the text is empty once control and zero-width characters are removed');
  const location = locate(address, options);
  const deps = options.deps ?? createStepDeps();
  const tmux = deps.tmux(location.socket);
  const agent = (await ownSession(tmux, { ...address, ...location }, 'type into it'))?.agent;
  if (!agent || !agentAlive(agent)) throw new RunRefusedError(`${address.rig}/${address.name} is not running`);
  const preset = findAgent(loadAgents(location.townRoot, address.rig), agent.agentName);
  const deadline = Date.now() + (options.timeoutMs ?? INJECT_TIMEOUT_MS);
  const lock = await waitForLock(location.townRoot, address.rig, `${address.name}.inject`, deadline);
  try {
    const watcher = new PaneWatcher(tmux, agent.paneId, 'while receiving injected text', deps.pollMs, undefined);
    const look = async () => (await watcher.look()).screen;
    const check = deliveryCheck(clean, preset?.readyPromptPrefix ?? '', preset?.busyMarkers);
    await typeText(tmux, agent.paneId, clean, 'polecat-inject');
    if (check.readsInput) watcher.sentKeys();
    const watching = { watcher, deadline };
    const screen = await awaitArrival(check, await look(), watching);
    await submit(tmux, agent.paneId, check, screen, watching);
    return { polecat: `${address.rig}/${address.name}`, bytes: Buffer.byteLength(clean) };
  } finally {
    lock.release();
  }
}

const LOCK_POLL_MS = 25;

function waitForLock(townRoot: string, rig: string, name: string, deadline: number): Promise<PolecatLock> {
  return awaitLock(() => acquireLock(townRoot, rig, name, randomUUID(), 'inject'), deadline, LOCK_POLL_MS);
}
