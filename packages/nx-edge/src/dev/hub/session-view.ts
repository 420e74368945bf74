import { relative } from 'node:path';
import { BINDING_KINDS, bindingReferences } from '../../config/bindings';
import { localStateRoot } from '../../local/persistence';
import type { ServiceStatus } from '../protocol';
import type { Entry } from './entry';

/** What the dashboard draws: the session's services, the libs they import, and why each edge exists. */
export interface ServiceGraph {
  nodes: { id: string; kind: 'worker' | 'service' | 'lib' }[];
  edges: { from: string; to: string; kind: 'service' | 'queue' | 'tail' | 'durable_object' | 'workflow' | 'import' | 'depends'; label: string }[];
}

export interface BindingDetail {
  name: string;
  /** What people call it: "KV namespace". */
  kind: string;
  /** What it is locally: where its data lives, which Worker answers. */
  local: string;
  remoteOnly?: boolean;
}

/** One service as the dashboard's details panel shows it. `.dev.vars` values never leave the hub. */
export interface ServiceDetails {
  service: string;
  kind: 'worker' | 'service';
  root: string;
  state: string;
  port?: number;
  pid?: number;
  url?: string;
  proxyUrl: string;
  configPath?: string;
  environment?: string;
  workerName?: string;
  bindings: BindingDetail[];
  vars: { name: string; value: string; secret: boolean }[];
  command?: string;
  upstream: string[];
  libs: string[];
}

export const MASKED = '••••••';

/** Edges from each Worker's bindings (what the config names), plus the Nx graph's other service dependencies and lib imports. */
export function sessionGraph(entries: Entry[]): ServiceGraph {
  const byWorkerName = new Map<string, string>();
  for (const e of entries) if (e.worker) byWorkerName.set(e.worker.workerName, e.spec.service);
  const consumers = new Map<string, string>();
  for (const e of entries) for (const c of e.worker?.config.queues?.consumers ?? []) if (c?.queue) consumers.set(c.queue, e.spec.service);
  const nodes: ServiceGraph['nodes'] = entries.map((e) => ({ id: e.spec.service, kind: e.spec.kind }));
  const edges: ServiceGraph['edges'] = [];
  const seen = new Set<string>();
  const add = (edge: ServiceGraph['edges'][number]) => {
    const key = `${edge.from}>${edge.to}>${edge.kind}>${edge.label}`;
    if (edge.from === edge.to || seen.has(key)) return;
    seen.add(key);
    edges.push(edge);
  };
  for (const e of entries) {
    const from = e.spec.service;
    const config = e.worker?.config;
    if (config) {
      for (const ref of bindingReferences(config)) {
        if (ref.kind === 'queue_producer') {
          const to = consumers.get(ref.target);
          if (to) add({ from, to, kind: 'queue', label: `queue ${ref.target}` });
        } else {
          const to = byWorkerName.get(ref.target);
          const kind = ref.kind === 'durable_object' ? 'durable_object' : ref.kind === 'workflow' ? 'workflow' : 'service';
          if (to) add({ from, to, kind, label: ref.binding ? `${ref.binding}` : ref.kind });
        }
      }
      for (const tail of config.tail_consumers ?? []) {
        const to = tail?.service ? byWorkerName.get(tail.service) : undefined;
        if (to) add({ from, to, kind: 'tail', label: 'tail' });
      }
    }
    for (const upstream of e.spec.upstream) {
      if (!edges.some((x) => x.from === from && x.to === upstream)) add({ from, to: upstream, kind: 'depends', label: 'depends on' });
    }
    for (const lib of e.spec.libs ?? []) {
      if (!nodes.some((n) => n.id === lib)) nodes.push({ id: lib, kind: 'lib' });
      add({ from, to: lib, kind: 'import', label: 'import' });
    }
  }
  return { nodes, edges };
}

/** The details panel of one service: its config, bindings with their local backing, vars (secrets masked), ports. */
export function serviceDetails(entry: Entry, status: ServiceStatus, context: { workspaceRoot: string; proxyUrl: string; running: (workerName: string) => string | undefined }): ServiceDetails {
  const { spec } = entry;
  const rel = (path: string) => relative(context.workspaceRoot, path) || '.';
  const details: ServiceDetails = {
    service: spec.service,
    kind: spec.kind,
    root: rel(spec.root),
    state: status.state,
    port: status.port,
    pid: status.pid,
    url: status.url,
    proxyUrl: context.proxyUrl,
    bindings: [],
    vars: [],
    upstream: spec.upstream,
    libs: spec.libs ?? [],
  };
  if (spec.kind === 'service') {
    details.command = spec.command.command;
    // A command's environment may hold credentials: names only.
    details.vars = Object.keys(spec.command.env).map((name) => ({ name, value: MASKED, secret: true }));
    return details;
  }
  details.configPath = rel(spec.worker.configPath);
  details.environment = spec.worker.environment;
  const worker = entry.worker;
  if (!worker) return details;
  details.workerName = worker.workerName;
  const config = worker.config;
  const state = rel(localStateRoot(context.workspaceRoot));
  const options = worker.options as Record<string, Record<string, unknown> | undefined>;
  const backing = (name: string): string => {
    const of = (key: string) => {
      const value = options[key]?.[name];
      return typeof value === 'string' ? value : value === undefined ? undefined : JSON.stringify(value);
    };
    if (of('kvNamespaces') !== undefined) return `local KV ${of('kvNamespaces')} in ${state}/kv`;
    if (of('d1Databases') !== undefined) return `local D1 ${of('d1Databases')} in ${state}/d1`;
    if (of('r2Buckets') !== undefined) return `local R2 bucket ${of('r2Buckets')} in ${state}/r2`;
    if (of('queueProducers') !== undefined) return `local queue ${of('queueProducers')}`;
    if (of('hyperdrives') !== undefined) return 'local Postgres (connection string from .dev.vars, not shown)';
    const bound = of('serviceBindings') as string | { name: string; entrypoint: string } | undefined;
    if (bound !== undefined && typeof bound !== 'function') {
      const service = typeof bound === 'string' ? bound : bound.name;
      const label = typeof bound === 'string' ? `Worker ${service}` : `Worker ${service}, entrypoint ${bound.entrypoint}`;
      const running = context.running(service);
      return running ? `${label} (${running} in this session)` : `${label} — not in this dev session (answers 503)`;
    }
    const durable = of('durableObjects') as string | { className: string; scriptName?: string } | undefined;
    if (durable !== undefined) {
      const d = typeof durable === 'string' ? { className: durable } : durable;
      return `Durable Object ${d.className}${d.scriptName ? ` of Worker ${d.scriptName}` : ''} in ${state}/do`;
    }
    const workflow = of('workflows') as { name: string; className: string } | undefined;
    if (workflow) return `Workflow ${workflow.name} (class ${workflow.className})`;
    return 'local';
  };
  const remote = new Set(worker.remoteOnly.map((b) => b.binding));
  for (const kind of BINDING_KINDS) {
    for (const name of kind.names(config)) {
      details.bindings.push(remote.has(name) ? { name, kind: kind.label, local: 'remote-only: Cloudflare provides it; not bound locally', remoteOnly: true } : { name, kind: kind.label, local: backing(name) });
    }
  }
  const secrets = new Set(worker.secretNames);
  for (const [name, value] of Object.entries(config.vars ?? {})) if (!secrets.has(name)) details.vars.push({ name, value: typeof value === 'string' ? value : JSON.stringify(value), secret: false });
  for (const name of worker.secretNames) details.vars.push({ name, value: MASKED, secret: true });
  return details;
}
