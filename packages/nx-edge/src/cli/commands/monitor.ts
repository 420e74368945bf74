import { DEPLOY_HISTORY_RELATIVE_PATH, readDeploymentRecords } from '../../deploy/deploy-history';
import { createWranglerRunner } from '../../wrangler/wrangler-cli';
import { monitorTargets, observe, transitions, type MonitorDeps, type Observation, type Transition } from '../../monitor/service-monitor';
import { UserError } from '../../utils/user-error';
import type { Command } from 'commander';
import { chosenEnv, defineWorkerSelection, parseCommandLine } from '../options';
import { findWorkspaceRoot } from '../../utils/workspace-root';
import { formatTable } from '../status-table';
import { join } from 'node:path';

export const description = 'Check every deployed Worker of an env: /health, /ready, latency, live version (exit 1 when one is unhealthy)';
export const usage = '-c <env> [--projects a,b] [--watch] [--interval <seconds>] [--webhook <url>] [--timeout <ms>] [--json]';
export const examples = ['nx-edge monitor -c staging', 'nx-edge monitor -c production --watch --interval 30 --webhook https://hooks.example.com/nx-edge'];

export interface MonitorArgs {
  env: string;
  projects?: string[];
  watch: boolean;
  intervalMs: number;
  webhook?: string;
  timeoutMs: number;
  json: boolean;
}

export function define(command: Command): void {
  defineWorkerSelection(command);
  command
    .option('--watch', 'check again every --interval seconds, print only changes')
    .option('--interval <seconds>', 'seconds between checks with --watch (default 15)')
    .option('--webhook <url>', 'POST each change (JSON) to this http(s) URL')
    .option('--timeout <ms>', 'per request (default 5000)')
    .option('--json', 'one JSON observation per line');
}

export function parseMonitorArgs(args: string[]): MonitorArgs {
  const { options } = parseCommandLine<{ configuration?: string; env?: string; projects?: string[]; watch?: boolean; interval?: string; webhook?: string; timeout?: string; json?: boolean }>('monitor', { description, usage, define }, args);
  const positive = (what: string, v: string) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new UserError(`${what} must be a positive number (got "${v}"). Usage: nx-edge monitor ${usage}`);
    return n;
  };
  const out: MonitorArgs = { env: chosenEnv(options) ?? '', watch: options.watch ?? false, intervalMs: 15_000, timeoutMs: 5000, json: options.json ?? false };
  if (options.projects) out.projects = options.projects;
  if (options.interval !== undefined) out.intervalMs = positive('--interval', options.interval) * 1000;
  if (options.timeout !== undefined) out.timeoutMs = positive('--timeout', options.timeout);
  if (options.webhook !== undefined) {
    if (!/^https?:\/\//.test(options.webhook)) throw new UserError(`--webhook must be an http(s) URL (got "${options.webhook}").`);
    out.webhook = options.webhook;
  }
  return out;
}

export function formatMonitorTable(rows: Observation[]): string {
  return formatTable(
    ['service', 'worker', 'health', 'ready', 'latency', 'live version', 'deployed'],
    rows.map((o) => [
      o.project,
      o.worker,
      o.healthy ? o.health : `✘ ${o.health}`,
      o.ready,
      o.latencyMs === undefined ? '-' : `${o.latencyMs} ms`,
      o.liveSplit ? o.liveSplit.map((v) => `${v.versionId.slice(0, 8)} ${v.percentage} %`).join(', ') : (o.liveVersion?.slice(0, 8) ?? '?'),
      o.recordedVersion === undefined ? '?' : o.recordedVersion === o.liveVersion || o.liveSplit?.some((v) => v.versionId === o.recordedVersion) ? 'same' : o.recordedVersion.slice(0, 8),
    ]),
  );
}

const clock = (iso: string) => iso.slice(11, 19);

export async function run(args: string[], ctx: { cwd: string }): Promise<number> {
  const options = parseMonitorArgs(args);
  const root = findWorkspaceRoot(ctx.cwd);
  const envName = options.env || 'the top level';
  const targets = monitorTargets(readDeploymentRecords(join(root, DEPLOY_HISTORY_RELATIVE_PATH)), options.env, options.projects);
  if (targets.length === 0) {
    throw new UserError(
      `no deployments of ${envName}${options.projects ? ` for ${options.projects.join(', ')}` : ''} recorded in ${DEPLOY_HISTORY_RELATIVE_PATH}: monitor checks what nx-edge deployed (nx run-many -t deploy${options.env ? ` -c ${options.env}` : ''}).`,
    );
  }
  const deps: MonitorDeps = { fetch, runWrangler: createWranglerRunner(root), cwd: root, baseUrlOverride: process.env.NX_EDGE_HEALTH_BASE_URL, timeoutMs: options.timeoutMs };
  const round = () => Promise.all(targets.map((t) => observe(t, deps)));
  const report = (rows: Observation[]) => {
    if (options.json) {
      for (const o of rows) process.stdout.write(`${JSON.stringify({ env: options.env, ...o })}\n`);
      return;
    }
    const unhealthy = rows.filter((o) => !o.healthy);
    process.stdout.write(`${formatMonitorTable(rows)}\n\n`);
    process.stdout.write(
      unhealthy.length ? `${unhealthy.length} of ${rows.length} unhealthy in ${envName}: ${unhealthy.map((o) => `${o.project} (${o.problem})`).join('; ')}\n` : `${rows.length} of ${rows.length} healthy in ${envName}\n`,
    );
  };
  let rows = await round();
  report(rows);
  if (!options.watch) return rows.every((o) => o.healthy) ? 0 : 1;

  const notify = async (t: Transition) => {
    process.stdout.write(options.json ? `${JSON.stringify({ event: 'transition', ...t })}\n` : `${clock(t.time)} ${t.project} (${t.worker}) ${t.from} → ${t.to}${t.to === 'unhealthy' ? `: ${t.detail}` : ''}\n`);
    if (!options.webhook) return;
    try {
      const response = await fetch(options.webhook, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(t), signal: AbortSignal.timeout(options.timeoutMs) });
      if (!response.ok) process.stderr.write(`webhook ${options.webhook} answered HTTP ${response.status}\n`);
    } catch (error) {
      process.stderr.write(`webhook ${options.webhook} failed: ${(error as Error).message}\n`);
    }
  };
  if (!options.json) process.stdout.write(`watching every ${options.intervalMs / 1000} s; changes are printed${options.webhook ? ` and sent to ${options.webhook}` : ''} (Ctrl-C stops)\n`);
  return new Promise<number>((resolve) => {
    let timer: NodeJS.Timeout;
    let stopped = false;
    const stop = () => {
      stopped = true;
      clearTimeout(timer);
      resolve(rows.every((o) => o.healthy) ? 0 : 1);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    const tick = async () => {
      const next = await round();
      if (stopped) return; // Ctrl-C during a round: no report, no next round
      for (const t of transitions(new Map(rows.map((o) => [o.project, o])), next, options.env, Date.now())) await notify(t);
      rows = next;
      if (!stopped) timer = setTimeout(() => void tick(), options.intervalMs);
    };
    timer = setTimeout(() => void tick(), options.intervalMs);
  });
}
