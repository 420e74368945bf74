import { join } from 'node:path';
import { findWranglerConfig } from '../../config/config-file';
import { buildServiceSpec, upstreamOf, type GraphView } from './service-spec';
import type { CachedGraph } from './cached-graph';
import type { ServiceSpec } from '../protocol';
import type { DevExecutorOptions } from '../../executors/dev/schema';
import { isDevTarget } from './dev-target';

export { DEV_EXECUTOR } from './dev-target';

/** The slice of Nx's ExecutorContext the plan reads (structural, so specs can build one by hand). */
export interface PlanContext {
  root: string;
  projectGraph: unknown;
  projectsConfigurations: {
    projects: Record<string, { root: string; targets?: Record<string, { executor?: string; options?: object; configurations?: Record<string, object>; defaultConfiguration?: string }> }>;
  };
  taskGraph?: { tasks: Record<string, { target: { project: string; target: string; configuration?: string }; overrides?: Record<string, unknown> }> };
}

/** A dev target's options as Nx resolves them: options, then the configuration, then the command line. */
export function devOptionsOf(context: PlanContext, project: string, target: string, configuration?: string, overrides: Record<string, unknown> = {}): DevExecutorOptions | undefined {
  const config = context.projectsConfigurations.projects[project]?.targets?.[target];
  if (!config || !isDevTarget(config)) return undefined;
  const chosen = configuration ?? config.defaultConfiguration;
  const { __overrides_unparsed__: _unparsed, ...flags } = overrides;
  return { ...(config.options ?? {}), ...((chosen && config.configurations?.[chosen]) || {}), ...flags };
}

export function workerSpecOf(context: PlanContext, project: string, options: DevExecutorOptions): ServiceSpec | undefined {
  return workerSpecAt(context.root, context.projectsConfigurations.projects[project].root, context.projectGraph as GraphView, project, options);
}

/** The one place a dev target's options become a Worker's spec (the executor's and the CLI's paths both). */
function workerSpecAt(root: string, projectRoot: string, graph: GraphView, project: string, options: DevExecutorOptions): ServiceSpec | undefined {
  const configPath = findWranglerConfig(join(root, projectRoot));
  if (!configPath) return undefined;
  return buildServiceSpec({ workspaceRoot: root, project, graph, kind: 'worker', port: options.port, health: options.health, watch: options.watch, worker: { configPath, environment: options.env || undefined } });
}

/**
 * Every Worker this Nx run will start in dev. The first task to reach the hub hands it the whole set,
 * so the hub bundles them in parallel and starts workerd once, instead of once per arriving task.
 * Best effort: a project whose spec cannot be built is left to its own task (which reports the error).
 */
export function workerSessionPlan(context: PlanContext): ServiceSpec[] {
  const plan: ServiceSpec[] = [];
  for (const task of Object.values(context.taskGraph?.tasks ?? {})) {
    try {
      const options = devOptionsOf(context, task.target.project, task.target.target, task.target.configuration, task.overrides);
      const spec = options && workerSpecOf(context, task.target.project, options);
      if (spec) plan.push(spec);
    } catch {
      // its own task reports it
    }
  }
  return plan;
}

/** What a dev target says in the project graph (options, then its configuration), as Nx resolved it. */
export function devTargetOptions(graph: CachedGraph, project: string, target: string, configuration: string | undefined): DevExecutorOptions {
  const config = graph.nodes[project]?.data.targets?.[target];
  const chosen = configuration ?? config?.defaultConfiguration;
  const merged = { ...(config?.options ?? {}), ...((chosen && config?.configurations?.[chosen]) || {}) } as Record<string, unknown>;
  const { env, port, proxyPort, health, watch } = merged as DevExecutorOptions;
  return Object.fromEntries(Object.entries({ env, port, proxyPort, health, watch }).filter(([, v]) => v !== undefined));
}

/** A project's Worker as a dev session runs it, or undefined when it has no wrangler config. */
export function workerSpecIn(root: string, graph: CachedGraph, project: string, options: DevExecutorOptions): ServiceSpec | undefined {
  const projectRoot = graph.nodes[project]?.data.root;
  return projectRoot === undefined ? undefined : workerSpecAt(root, projectRoot, graph, project, options);
}

/**
 * Closure mode: the Workers a project's dev task brings up with it — every Worker upstream of it (service
 * bindings, tail consumers, queues, implicit dependencies), through libs, cycles and non-Worker services —
 * each with its own dev target's options and the task's configuration where its target has it (else its default),
 * as Nx configures the tasks a `dependsOn` runs.
 * The hub starts, gates, restarts and logs them; one Nx task instead of one per Worker. Non-Worker services
 * are not in it: they keep their Nx tasks (the inferred dev target depends on them), as they may need
 * Nx's env files and `dependsOn`.
 */
export function upstreamClosure(root: string, graph: CachedGraph, project: string, target: string, configuration?: string): ServiceSpec[] {
  const closure: ServiceSpec[] = [];
  const seen = new Set<string>([project]);
  const visit = (name: string) => {
    for (const upstream of upstreamOf(graph, name).services) {
      if (seen.has(upstream)) continue;
      seen.add(upstream);
      const config = graph.nodes[upstream]?.data.targets?.[target];
      if (config && isDevTarget(config)) {
        try {
          const own = configuration !== undefined && config.configurations?.[configuration] ? configuration : undefined;
          const spec = workerSpecIn(root, graph, upstream, devTargetOptions(graph, upstream, target, own));
          if (spec) closure.push(spec);
        } catch {
          // its own start reports it (an unreadable config is a failed service, named)
        }
      }
      visit(upstream);
    }
  };
  visit(project);
  return closure;
}
