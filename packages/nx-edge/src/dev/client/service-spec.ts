import { isAbsolute, join } from 'node:path';
import type { HealthProbe, ServiceSpec } from '../protocol';

import { isDevTarget } from './dev-target';

export const SERVICE_EXECUTOR = '@aero/nx-edge:service';

/** The slice of Nx's project graph this needs (structural, so specs can build one by hand). */
export interface GraphView {
  nodes: Record<string, { data: { root: string; targets?: Record<string, { executor?: string; options?: object }> } }>;
  dependencies: Record<string, { target: string }[]>;
}

export function isDevService(graph: GraphView, project: string): boolean {
  const targets = graph.nodes[project]?.data.targets ?? {};
  return Object.values(targets).some((t) => t.executor === SERVICE_EXECUTOR || isDevTarget(t));
}

/**
 * The services a project depends on, looking through libs: api → @shared/db (lib) → users (service)
 * makes users upstream of api. Also the roots of those libs, whose changes reload the project.
 */
export function upstreamOf(graph: GraphView, project: string): { services: string[]; libRoots: string[]; libs: string[] } {
  const services = new Set<string>();
  const libRoots = new Set<string>();
  const libs = new Set<string>();
  const seen = new Set<string>([project]);
  const visit = (name: string) => {
    for (const dep of graph.dependencies[name] ?? []) {
      const target = dep.target;
      if (seen.has(target) || !graph.nodes[target]) continue; // npm: nodes are not projects
      seen.add(target);
      if (isDevService(graph, target)) services.add(target);
      else {
        libRoots.add(graph.nodes[target].data.root);
        libs.add(target);
        visit(target);
      }
    }
  };
  visit(project);
  return { services: [...services].sort(), libRoots: [...libRoots].sort(), libs: [...libs].sort() };
}

export interface SpecInput {
  workspaceRoot: string;
  project: string;
  graph: GraphView;
  kind: 'worker' | 'service';
  port?: number;
  health?: HealthProbe;
  /** Extra paths to watch, relative to the workspace. */
  watch?: string[];
  worker?: { configPath: string; environment?: string };
  command?: { command: string; cwd?: string; env?: Record<string, string> };
}

export function buildServiceSpec(input: SpecInput): ServiceSpec {
  const root = join(input.workspaceRoot, input.graph.nodes[input.project].data.root);
  const { services, libRoots, libs } = upstreamOf(input.graph, input.project);
  const abs = (p: string) => (isAbsolute(p) ? p : join(input.workspaceRoot, p));
  const base = {
    service: input.project,
    root,
    upstream: services,
    ...(libs.length ? { libs } : {}),
    watch: [root, ...libRoots.map(abs), ...(input.watch ?? []).map(abs)],
    ...(input.port !== undefined ? { port: input.port } : {}),
    ...(input.health ? { health: input.health } : {}),
  };
  let spec: ServiceSpec;
  if (input.kind === 'worker') {
    if (!input.worker) throw new Error(`${input.project}: a Worker spec needs its wrangler config`);
    spec = { ...base, kind: 'worker', worker: { configPath: input.worker.configPath, environment: input.worker.environment } };
  } else {
    if (!input.command) throw new Error(`${input.project}: a service spec needs its command`);
    spec = { ...base, kind: 'service', command: { command: input.command.command, cwd: input.command.cwd ? abs(input.command.cwd) : root, env: input.command.env ?? {} } };
  }
  return spec;
}
