import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
// Types only (see create-nodes.ts): keeps the plugin worker's start-up cheap.
import type { CreateDependencies, DependencyType, RawProjectGraphDependency } from '@nx/devkit';
import { findWranglerConfig, parseWranglerConfig } from '../config/wrangler-config';
import { workerReferences } from '../config/worker-references';
import type { NxEdgePluginOptions } from './options';
import { queueConsumerIndex, workerNameIndex, type WorkerProject } from './service-graph';
import { isIgnoredConfigPath } from '../config/config-file';


/** Every Worker project with its parsed wrangler config, and the Worker names of configs that do not parse. */
function readWorkerProjects(workspaceRoot: string, projects: Record<string, { root: string }>): { workers: WorkerProject[]; unparsable: Map<string, string> } {
  const workers: WorkerProject[] = [];
  const unparsable = new Map<string, string>();
  for (const [project, { root }] of Object.entries(projects)) {
    const absolute = findWranglerConfig(join(workspaceRoot, root));
    if (!absolute) continue;
    const configFile = root === '.' || root === '' ? basename(absolute) : `${root}/${basename(absolute)}`;
    if (isIgnoredConfigPath(configFile)) continue;
    const text = readFileSync(absolute, 'utf8');
    try {
      workers.push({ project, configFile, config: parseWranglerConfig(text, configFile) });
    } catch {
      // Its name, if it can still be read, tells "fails to parse" from "not in this workspace".
      const name = /^\s*"?name"?\s*[:=]\s*["']([^"']+)["']/m.exec(text)?.[1];
      if (name) unparsable.set(name, project);
    }
  }
  return { workers, unparsable };
}

export interface UnresolvedReference {
  configFile: string;
  target: string;
  kind: string;
  /** The project whose config fails to parse and seems to be that Worker. */
  unparsableProject?: string;
}

export function serviceDependencies(workers: WorkerProject[], changedFiles: Set<string> | undefined, unresolved: (ref: UnresolvedReference) => void, unparsable = new Map<string, string>()): RawProjectGraphDependency[] {
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
      if (target) {
        add(worker.project, target, worker.configFile);
        continue;
      }
      // A Worker whose config does not parse keeps its edge: it is a project of this workspace.
      const broken = unparsable.get(ref.target) ?? [...unparsable].find(([name]) => ref.target.startsWith(`${name}-`))?.[1];
      if (broken) add(worker.project, broken, worker.configFile);
      unresolved({ configFile: worker.configFile, target: ref.target, kind: ref.kind.replace('_', ' '), unparsableProject: broken });
    }
  }
  return deps;
}

const said = new Set<string>();

export const createDependencies: CreateDependencies<NxEdgePluginOptions> = (_options, context) => {
  const { workers, unparsable } = readWorkerProjects(context.workspaceRoot, context.projects);
  if (workers.length === 0) return [];
  // Nx keeps the dependencies of unchanged files from its cache; only changed configs are re-read for edges.
  const changed = new Set<string>();
  for (const files of Object.values(context.filesToProcess.projectFileMap)) {
    for (const f of files) if (/(^|\/)wrangler\.(toml|jsonc|json)$/.test(f.file)) changed.add(f.file);
  }
  let external = 0;
  let broken = 0;
  const deps = serviceDependencies(workers, changed, (ref) => (ref.unparsableProject ? broken++ : external++), unparsable);
  // One line per Nx command; `nx-edge validate` lists each reference.
  const parts = [
    external ? `${external} binding${external === 1 ? '' : 's'} name Workers that are not in this workspace (treated as external services)` : '',
    broken ? `${broken} name Workers whose config fails to parse` : '',
  ].filter(Boolean);
  const line = parts.length ? `[nx-edge] ${parts.join('; ')} — details: npx nx-edge validate` : '';
  if (line && !said.has(line)) {
    said.add(line);
    console.warn(line);
  }
  return deps;
};
