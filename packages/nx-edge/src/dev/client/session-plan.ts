import { join } from 'node:path';
import { findWranglerConfig } from '../../config/config-file';
import { buildServiceSpec, type GraphView } from './service-spec';
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
  const root = join(context.root, context.projectsConfigurations.projects[project].root);
  const configPath = findWranglerConfig(root);
  if (!configPath) return undefined;
  return buildServiceSpec({
    workspaceRoot: context.root,
    project,
    graph: context.projectGraph as GraphView,
    kind: 'worker',
    port: options.port,
    health: options.health,
    watch: options.watch,
    worker: { configPath, environment: options.env || undefined },
  });
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
