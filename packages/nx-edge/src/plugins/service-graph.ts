import { consumedQueues, type WranglerConfig } from '../config/wrangler-config';
import { workerReferences } from '../config/worker-references';

/** A Worker project with its parsed wrangler config. */
export interface WorkerProject {
  project: string;
  /** workspace-relative */
  configFile: string;
  config: WranglerConfig;
}

/**
 * Worker name → project. A Worker deployed to an env is `<name>-<env>` unless the env names itself,
 * so those names map to the same project and env-specific bindings still draw an edge.
 */
export function workerNameIndex(workers: WorkerProject[]): Map<string, string> {
  const index = new Map<string, string>();
  for (const { project, config } of workers) {
    index.set(project, project);
    if (config.name) index.set(config.name, project);
    for (const [envName, section] of Object.entries(config.env ?? {})) {
      if (section?.name) index.set(section.name, project);
      else if (config.name) index.set(`${config.name}-${envName}`, project);
    }
  }
  return index;
}

export function queueConsumerIndex(workers: WorkerProject[]): Map<string, string[]> {
  const index = new Map<string, string[]>();
  for (const { project, config } of workers) {
    for (const queue of consumedQueues(config)) index.set(queue, [...(index.get(queue) ?? []), project]);
  }
  return index;
}

/** Each Worker's upstream Workers (projects it binds to, sends to, tails into, hosts DOs of). */
export function upstreamProjects(workers: WorkerProject[]): Map<string, string[]> {
  const names = workerNameIndex(workers);
  const consumers = queueConsumerIndex(workers);
  const upstream = new Map<string, string[]>();
  for (const worker of workers) {
    const targets = new Set<string>();
    for (const ref of workerReferences(worker.config)) {
      if (ref.kind === 'queue_producer') for (const consumer of consumers.get(ref.target) ?? []) targets.add(consumer);
      else {
        const target = names.get(ref.target);
        if (target) targets.add(target);
      }
    }
    targets.delete(worker.project);
    upstream.set(worker.project, [...targets].sort());
  }
  return upstream;
}

/**
 * The workspace Workers whose code this Worker calls through a typed binding (service bindings and
 * Durable Objects another Worker hosts): `wrangler types` reads their configs to type those bindings.
 */
export function typedBindingTargets(
  worker: WorkerProject,
  workers: WorkerProject[],
  // Built once by a caller that asks for every Worker (inference), rather than once per Worker.
  names: Map<string, string> = workerNameIndex(workers),
): WorkerProject[] {
  const targets = new Set<string>();
  for (const ref of workerReferences(worker.config)) {
    if (ref.kind !== 'service' && ref.kind !== 'durable_object') continue;
    const target = names.get(ref.target);
    if (target && target !== worker.project) targets.add(target);
  }
  return workers.filter((w) => targets.has(w.project)).sort((a, b) => a.project.localeCompare(b.project));
}
