import type { AnyStateMachine, AnyStateNode } from 'xstate';

export type GraphFormat = 'mermaid' | 'dot' | 'json';
export const GRAPH_FORMATS: readonly GraphFormat[] = ['mermaid', 'dot', 'json'];

export interface Edge {
  readonly from: string;
  readonly to: string;
  readonly label: string;
}

/**
 * Every transition of the machine's top-level states, with a readable label (event, `done`, `error`, guard). A
 * transition without a target (an event the state only records, as the stop machine's CANCEL in its kill steps) is
 * drawn as a loop on its state.
 */
export function machineEdges(machine: AnyStateMachine): Edge[] {
  const edges: Edge[] = [];
  for (const node of Object.values(machine.root.states) as AnyStateNode[]) {
    for (const [eventType, definitions] of node.transitions) {
      for (const definition of definitions) addEdges(edges, node, definition, eventLabel(eventType));
    }
    for (const definition of node.always ?? []) addEdges(edges, node, definition, 'always');
  }
  return edges;
}

function addEdges(edges: Edge[], node: AnyStateNode, definition: { target?: readonly AnyStateNode[] | undefined; guard?: unknown }, event: string): void {
  const guard = guardName(definition.guard);
  for (const target of definition.target ?? [node]) {
    edges.push({ from: node.key, to: target.key, label: guard ? `${event} [${guard}]` : event });
  }
}

function eventLabel(eventType: string): string {
  if (eventType.startsWith('xstate.done.actor.')) return 'done';
  if (eventType.startsWith('xstate.error.actor.')) return 'error';
  return eventType;
}

function guardName(guard: unknown): string | undefined {
  if (typeof guard === 'string') return guard;
  if (guard && typeof guard === 'object' && 'type' in guard) return String((guard as { type: unknown }).type);
  return undefined;
}

function finalStates(machine: AnyStateMachine): string[] {
  return (Object.values(machine.root.states) as AnyStateNode[]).filter((n) => n.type === 'final').map((n) => n.key);
}

export function toMermaid(machine: AnyStateMachine): string {
  const lines = ['stateDiagram-v2', `  [*] --> ${String(machine.root.initial?.target[0]?.key ?? '')}`];
  for (const edge of machineEdges(machine)) lines.push(`  ${edge.from} --> ${edge.to}: ${edge.label}`);
  for (const final of finalStates(machine)) lines.push(`  ${final} --> [*]`);
  return `${lines.join('\n')}\n`;
}

export function toDot(machine: AnyStateMachine): string {
  const quote = (s: string) => JSON.stringify(s);
  const lines = [`digraph ${quote(machine.id)} {`, '  rankdir=TB;', '  node [shape=box, style=rounded];'];
  for (const final of finalStates(machine)) lines.push(`  ${quote(final)} [peripheries=2];`);
  for (const edge of machineEdges(machine)) lines.push(`  ${quote(edge.from)} -> ${quote(edge.to)} [label=${quote(edge.label)}];`);
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

/** The machine's config as the Stately editor and inspector read it; inline functions become `{ type }` objects. */
export function toJson(machine: AnyStateMachine): string {
  return `${JSON.stringify(
    machine.config,
    (_key, value: unknown) => (typeof value === 'function' ? { type: (value as { type?: string }).type ?? (value.name || 'inline') } : value),
    2,
  )}\n`;
}

export function renderGraph(machine: AnyStateMachine, format: GraphFormat): string {
  return format === 'mermaid' ? toMermaid(machine) : format === 'dot' ? toDot(machine) : toJson(machine);
}
