import { servesTraffic, type DeploymentRecord } from '../deploy/deploy-history';
import { getStatus, healthBaseUrl, healthUrl } from '../deploy/health-check';
import type { RunWrangler } from '../wrangler/wrangler-cli';
import { buildDeploymentsListByNameArgs } from '../wrangler/wrangler-args';
import { deploymentSplits, versionServingAll } from '../wrangler/wrangler-output';

/** One deployed Worker of an env, as the deployment history knows it. */
export interface MonitorTarget {
  project: string;
  worker: string;
  env: string;
  url?: string;
  /** The version nx-edge last deployed (or rolled back to). */
  recordedVersion?: string;
  dispatchNamespace?: string;
}

/** What one round saw of one Worker. */
export interface Observation {
  project: string;
  worker: string;
  healthy: boolean;
  /** `HTTP 200`, `HTTP 503`, `no answer within 5000 ms`, `no URL`… */
  health: string;
  /** `HTTP 200`, `none` (404: no /ready), or what failed. */
  ready: string;
  latencyMs?: number;
  liveVersion?: string;
  /** When two versions serve (a gradual rollout): each with its share, newest deployment's split. */
  liveSplit?: { versionId: string; percentage: number }[];
  recordedVersion?: string;
  /** Why it counts as unhealthy, in one line. */
  problem?: string;
}

export interface MonitorDeps {
  fetch: typeof fetch;
  runWrangler: RunWrangler;
  cwd: string;
  /** NX_EDGE_HEALTH_BASE_URL: replaces the deployed URL (may hold {worker} and {env}), as deploy's health check does. */
  baseUrlOverride?: string;
  timeoutMs: number;
  now?: () => number;
}

/** The Worker each project last shipped to `env` (its newest deployed or rolled-back record). */
export function monitorTargets(records: DeploymentRecord[], env: string, projects?: string[]): MonitorTarget[] {
  const latest = new Map<string, DeploymentRecord>();
  for (const r of records) {
    if (r.env !== env || !servesTraffic(r)) continue;
    if (projects?.length && !projects.includes(r.project)) continue;
    latest.set(r.project, r);
  }
  return [...latest.values()]
    .map((r) => ({ project: r.project, worker: r.worker, env, url: r.url, recordedVersion: r.result === 'rolled-back' ? r.rolledBackTo : r.versionId, dispatchNamespace: r.dispatchNamespace }))
    .sort((a, b) => a.project.localeCompare(b.project));
}

async function probe(deps: MonitorDeps, url: string): Promise<{ status?: number; detail: string; ms: number }> {
  const now = deps.now ?? Date.now;
  const started = now();
  const answer = await getStatus(url, deps.timeoutMs, deps.fetch);
  return { ...answer, ms: now() - started };
}

/** /health and /ready of one Worker, its latency, and the version the API says is live. */
export async function observe(target: MonitorTarget, deps: MonitorDeps): Promise<Observation> {
  const base = healthBaseUrl(target.url, deps.baseUrlOverride, target.worker, target.env || undefined);
  const [health, ready, live] = await Promise.all([
    base ? probe(deps, healthUrl(base, '/health')) : undefined,
    base ? probe(deps, healthUrl(base, '/ready')) : undefined,
    target.dispatchNamespace ? Promise.resolve(undefined) : liveVersionOf(target.worker, deps),
  ]);
  const out: Observation = { project: target.project, worker: target.worker, healthy: false, health: health?.detail ?? 'no URL', ready: 'none', latencyMs: health?.ms, liveVersion: live?.version, recordedVersion: target.recordedVersion };
  if (live?.split && live.split.length > 1) out.liveSplit = live.split;
  if (ready) out.ready = ready.status === 404 ? 'none' : ready.detail;
  const ok = (status?: number) => status !== undefined && status >= 200 && status < 300;
  if (!health) out.problem = 'no URL to check (dispatch namespace script, or workers_dev off without routes)';
  else if (!ok(health.status)) out.problem = `GET /health → ${health.detail}`;
  else if (ready && ready.status !== 404 && !ok(ready.status)) out.problem = `GET /ready → ${ready.detail}`;
  out.healthy = !out.problem;
  return out;
}

async function liveVersionOf(worker: string, deps: MonitorDeps): Promise<{ version?: string; split?: { versionId: string; percentage: number }[] } | undefined> {
  const listed = await deps.runWrangler(buildDeploymentsListByNameArgs(worker), { cwd: deps.cwd });
  if (listed.code !== 0) return undefined;
  const split = deploymentSplits(listed.stdout)[0];
  return { version: versionServingAll(split), split };
}

/** A change of a Worker's health between two rounds (the first round reports nothing). */
export interface Transition {
  project: string;
  worker: string;
  env: string;
  from: 'healthy' | 'unhealthy';
  to: 'healthy' | 'unhealthy';
  detail: string;
  time: string;
}

export function transitions(previous: Map<string, Observation>, current: Observation[], env: string, now: number): Transition[] {
  const out: Transition[] = [];
  for (const o of current) {
    const before = previous.get(o.project);
    if (!before || before.healthy === o.healthy) continue;
    out.push({
      project: o.project,
      worker: o.worker,
      env,
      from: before.healthy ? 'healthy' : 'unhealthy',
      to: o.healthy ? 'healthy' : 'unhealthy',
      detail: o.problem ?? `GET /health → ${o.health}`,
      time: new Date(now).toISOString(),
    });
  }
  return out;
}
