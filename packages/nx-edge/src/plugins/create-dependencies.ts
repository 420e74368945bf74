import { readFileSync } from 'node:fs';
import { basename, join } from "node:path";
// Types only (see create-nodes.ts): keeps the plugin worker's start-up cheap.
import type { CreateDependencies, DependencyType, RawProjectGraphDependency } from '@nx/devkit';
import {
  consumedQueues,
  findWranglerConfig,
  parseWranglerConfig,
  workerReferences,
  type WranglerConfig,
} from '../config/wrangler-config';
import type { NxEdgePluginOptions } from './options';
import { isIgnoredConfigPath } from './create-nodes';

interface WorkerProject {
  project: string;
  configFile: string; // workspace-relative
  config: WranglerConfig;
}

/** Every Worker project with its parsed wrangler config (configs that fail to parse are left out). */
function readWorkerProjects(workspaceRoot: string, projects: Record<string, { root: string }>): WorkerProject[] {
  const out: WorkerProject[] = [];
  for (const [project, { root }] of Object.entries(projects)) {
    const absolute = findWranglerConfig(join(workspaceRoot, root));
    if (!absolute) continue;
    const configFile = root === '.' || root === '' ? basename(absolute) : `${root}/${basename(absolute)}`;
    if (isIgnoredConfigPath(configFile)) continue;
    try {
      out.push({ project, configFile, config: parseWranglerConfig(readFileSync(absolute, 'utf8'), configFile) });
    } catch {
      // createNodes already warned about this file.
    }
  }
  return out;
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

export function serviceDependencies(workers: WorkerProject[], changedFiles: Set<string> | undefined, warn: (message: string) => void): RawProjectGraphDependency[] {
  const names = workerNameIndex(workers);
  const consumers = queueConsumerIndex(workers);
  const deps: RawProjectGraphDependency[] = [];
  const seen = new Set<string>();
  const add = (source: string, target: string, sourceFile: string) => {
    const key = `${source}>${target}`;
    if (source === target || seen.has(key)) return;
    seen.add(key);
    deps.push({ source, target, sourceFile, type: 'static' as DependencyType.static });
  };
  for (const worker of workers) {
    if (changedFiles && !changedFiles.has(worker.configFile)) continue;
    for (const ref of workerReferences(worker.config)) {
      if (ref.kind === 'queue_producer') {
        for (const consumer of consumers.get(ref.target) ?? []) add(worker.project, consumer, worker.configFile);
        continue;
      }
      const target = names.get(ref.target);
      if (target) add(worker.project, target, worker.configFile);
      else warn(`[nx-edge] ${worker.configFile}: "${ref.target}" (${ref.kind.replace('_', ' ')}) is not a project of this workspace; treated as an external service.`);
    }
  }
  return deps;
}

const warned = new Set<string>();

export const createDependencies: CreateDependencies<NxEdgePluginOptions> = (_options, context) => {
  const workers = readWorkerProjects(context.workspaceRoot, context.projects);
  if (workers.length === 0) return [];
  // Nx keeps the dependencies of unchanged files from its cache; only changed configs are re-read for edges.
  const changed = new Set<string>();
  for (const files of Object.values(context.filesToProcess.projectFileMap)) {
    for (const f of files) if (/(^|\/)wrangler\.(toml|jsonc|json)$/.test(f.file)) changed.add(f.file);
  }
  return serviceDependencies(workers, changed, (message) => {
    if (warned.has(message)) return;
    warned.add(message);
    console.warn(message);
  });
};

