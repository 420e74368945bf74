/**
 * Start order of dev services from their upstream edges: levels of services whose upstreams are all
 * in earlier levels. Members of a cycle cannot wait for each other, so they are reported and placed
 * together in one level after their other upstreams (they start together).
 */
export function orderServices(nodes: string[], upstreamOf: (s: string) => string[]): { levels: string[][]; cycles: string[][] } {
  const known = new Set(nodes);
  const edges = new Map(nodes.map((n) => [n, [...new Set(upstreamOf(n))].filter((u) => known.has(u) && u !== n)]));
  const cycles = stronglyConnected(nodes, edges).filter((c) => c.length > 1);
  // Collapse each cycle to one group; everything else is its own group. Then levels by rounds (Kahn's
  // algorithm, linear: the hub orders its services on every state change, 100 Workers included).
  const groupOf = new Map<string, string[]>();
  for (const cycle of cycles) for (const member of cycle) groupOf.set(member, cycle);
  for (const n of nodes) if (!groupOf.has(n)) groupOf.set(n, [n]);
  const groups = [...new Set(groupOf.values())];
  const waitingOn = new Map<string[], number>();
  const dependents = new Map<string[], string[][]>();
  for (const group of groups) {
    const upstreamGroups = new Set(group.flatMap((m) => edges.get(m)!.map((u) => groupOf.get(u)!)).filter((g) => g !== group));
    waitingOn.set(group, upstreamGroups.size);
    for (const up of upstreamGroups) dependents.set(up, [...(dependents.get(up) ?? []), group]);
  }
  const levels: string[][] = [];
  let ready = groups.filter((g) => waitingOn.get(g) === 0);
  while (ready.length) {
    levels.push(ready.flat().sort());
    const next: string[][] = [];
    for (const group of ready) {
      for (const dependent of dependents.get(group) ?? []) {
        const left = waitingOn.get(dependent)! - 1;
        waitingOn.set(dependent, left);
        if (left === 0) next.push(dependent);
      }
    }
    ready = next;
  }
  return { levels, cycles: cycles.map((c) => [...c].sort()) };
}

export function stopOrder(levels: string[][]): string[] {
  return [...levels].reverse().flatMap((level) => [...level].reverse());
}

/**
 * A group of services that reach each other, drawn with edges that exist (`a → b` means a calls b): the
 * shortest cycle through its first member, then through each member no drawn cycle passed yet. Three
 * Workers tied only through a hub print as `a → b → a, b → c → b`, never as a ring `a → b → c → a`
 * that would claim c calls a.
 */
export function formatCycle(cycle: string[], upstreamOf: (s: string) => string[]): string {
  const members = new Set(cycle);
  const next = (s: string) => [...new Set(upstreamOf(s))].filter((u) => members.has(u) && u !== s).sort();
  const shortestCycleThrough = (start: string): string[] | undefined => {
    const parent = new Map<string, string>();
    const queue = [start];
    const seen = new Set([start]);
    while (queue.length) {
      const current = queue.shift()!;
      for (const u of next(current)) {
        if (u === start) {
          const path = [current];
          while (path[0] !== start) path.unshift(parent.get(path[0])!);
          return [...path, start];
        }
        if (seen.has(u)) continue;
        seen.add(u);
        parent.set(u, current);
        queue.push(u);
      }
    }
    return undefined;
  };
  const drawn: string[][] = [];
  const covered = new Set<string>();
  for (const member of cycle) {
    if (covered.has(member)) continue;
    const path = shortestCycleThrough(member);
    if (!path) continue;
    drawn.push(path);
    for (const s of path) covered.add(s);
  }
  return drawn.map((path) => path.join(' → ')).join(', ');
}

/** Tarjan's algorithm: groups of nodes that reach each other. */
function stronglyConnected(nodes: string[], edges: Map<string, string[]>): string[][] {
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const result: string[][] = [];
  const visit = (v: string) => {
    indices.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!indices.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, indices.get(w)!));
    }
    if (low.get(v) === indices.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      result.push(component);
    }
  };
  for (const n of nodes) if (!indices.has(n)) visit(n);
  return result;
}
