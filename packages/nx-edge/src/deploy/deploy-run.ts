import { createHash } from 'node:crypto';

/** A task id (Nx 23 and older) or `{ id }` (Nx 24 puts objects in `taskGraph.dependencies`). */
export type TaskGraphEdge = string | { id: string };

/** The part of Nx's TaskGraph this module reads (kept structural so tests need no Nx). */
export interface RunTaskGraph {
  tasks: Record<string, { id: string; target: { project: string; target: string; configuration?: string } }>;
  dependencies: Record<string, TaskGraphEdge[]>;
}

const edgeId = (edge: TaskGraphEdge): string => (typeof edge === 'string' ? edge : edge.id);

function deployTaskIds(graph: RunTaskGraph, targetName: string): string[] {
  return Object.values(graph.tasks)
    .filter((t) => t.target.target === targetName)
    .map((t) => t.id)
    .sort();
}

/** Every task `id` depends on, directly or through other tasks. */
function dependencyClosure(graph: RunTaskGraph, id: string): Set<string> {
  const seen = new Set<string>();
  const stack = (graph.dependencies[id] ?? []).map(edgeId);
  while (stack.length) {
    const next = stack.pop()!;
    if (seen.has(next)) continue;
    seen.add(next);
    stack.push(...(graph.dependencies[next] ?? []).map(edgeId));
  }
  return seen;
}

/**
 * Projects whose `targetName` task is in this run, upstream first: the order Nx deploys them in
 * (services in the same layer may go in parallel). Ties are alphabetical.
 */
export function deployOrder(graph: RunTaskGraph, targetName: string): string[][] {
  const ids = deployTaskIds(graph, targetName);
  const closures = new Map(ids.map((id) => [id, dependencyClosure(graph, id)]));
  const layers: string[][] = [];
  const placed = new Set<string>();
  while (placed.size < ids.length) {
    const layer = ids.filter((id) => !placed.has(id) && ids.every((other) => other === id || placed.has(other) || !closures.get(id)!.has(other)));
    if (layer.length === 0) {
      // a cycle: Nx refuses those before we run; keep the rest in name order rather than loop
      layers.push(ids.filter((id) => !placed.has(id)).map((id) => graph.tasks[id].target.project));
      break;
    }
    layer.forEach((id) => placed.add(id));
    layers.push(layer.map((id) => graph.tasks[id].target.project));
  }
  return layers;
}

/** Projects whose deploy waits on `project`'s deploy in this run (directly or transitively), in deploy order. */
export function dependentDeploys(graph: RunTaskGraph, targetName: string, project: string): string[] {
  const own = deployTaskIds(graph, targetName).find((id) => graph.tasks[id].target.project === project);
  if (!own) return [];
  const waiting = new Set(
    deployTaskIds(graph, targetName)
      .filter((id) => id !== own && dependencyClosure(graph, id).has(own))
      .map((id) => graph.tasks[id].target.project),
  );
  return deployOrder(graph, targetName)
    .flat()
    .filter((name) => waiting.has(name));
}

/**
 * One id for all deploy tasks of one Nx invocation: they are children of the same Nx process and
 * see the same task graph.
 */
export function runIdOf(graph: RunTaskGraph, parentPid: number): string {
  const ids = Object.keys(graph.tasks).sort().join(',');
  return createHash('sha1').update(`${parentPid}:${ids}`).digest('hex').slice(0, 12);
}
