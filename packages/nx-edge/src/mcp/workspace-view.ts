import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BINDING_KINDS } from '../config/bindings';
import { readWorkspaceWorkers } from '../config/workspace-workers';
import { environmentNames } from '../config/wrangler-config';
import { workerReferences } from '../config/worker-references';
import { readCachedGraph } from '../dev/client/cached-graph';
import type { GraphView } from '../dev/client/service-spec';

export interface WorkerView {
  project: string;
  root: string;
  configFile: string;
  name?: string;
  main?: string;
  compatibilityDate?: string;
  envs: string[];
  /** Binding names by wrangler config key (`kv_namespaces: ["CACHE"]`); var names only, never values. */
  bindings: Record<string, string[]>;
  vars: string[];
  /** Other Workers (and queues) its config names, by kind. */
  references: { kind: string; target: string }[];
}

/** The workspace's Workers from the Nx project graph, with their bindings and the graph's edges between them. */
export function workspaceView(workspaceRoot: string, graph: GraphView): { workers: WorkerView[]; edges: { from: string; to: string }[] } {
  const projects = Object.fromEntries(Object.entries(graph.nodes).map(([name, node]) => [name, { root: node.data.root }]));
  const workers = readWorkspaceWorkers(workspaceRoot, projects).map(({ project, configFile, config }): WorkerView => {
    const bindings: Record<string, string[]> = {};
    for (const kind of BINDING_KINDS) {
      const names = kind.names(config);
      if (names.length) bindings[kind.key] = names;
    }
    return {
      project,
      root: projects[project].root,
      configFile,
      name: config.name,
      main: config.main,
      compatibilityDate: config.compatibility_date,
      envs: environmentNames(config),
      bindings,
      vars: Object.keys(config.vars ?? {}),
      references: workerReferences(config).map((r) => ({ kind: r.kind, target: r.target })),
    };
  });
  const isWorker = new Set(workers.map((w) => w.project));
  const edges = Object.entries(graph.dependencies).flatMap(([from, deps]) => (isWorker.has(from) ? deps.filter((d) => d.target !== from && graph.nodes[d.target]).map((d) => ({ from, to: d.target })) : []));
  return { workers, edges };
}

/**
 * The project graph: the one Nx cached for its last command, else computed now with the workspace's own
 * Nx (`nx graph --file`, no daemon) — a clear error when that fails.
 */
export function loadProjectGraph(workspaceRoot: string): GraphView {
  const cached = readCachedGraph(workspaceRoot);
  if (cached) return cached;
  const dir = mkdtempSync(join(tmpdir(), 'nx-edge-graph-'));
  try {
    const file = join(dir, 'graph.json');
    const run = spawnSync(process.execPath, [require.resolve('nx/bin/nx', { paths: [workspaceRoot] }), 'graph', `--file=${file}`], {
      cwd: workspaceRoot,
      encoding: 'utf8',
      env: { ...process.env, NX_DAEMON: 'false', NX_TUI: 'false' },
      timeout: 120_000,
    });
    if (run.status !== 0) throw new Error(`nx graph failed (exit ${run.status}): ${(run.stderr || run.stdout || '').trim().slice(-2000)}`);
    return (JSON.parse(readFileSync(file, 'utf8')) as { graph: GraphView }).graph;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
