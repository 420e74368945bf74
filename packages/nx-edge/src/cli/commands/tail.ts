import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DEPLOY_HISTORY_RELATIVE_PATH, readDeploymentRecords } from '../../deploy/deploy-history';
import { stripAnsi, wranglerErrorSummary } from '../../wrangler/wrangler-cli';
import { wranglerTailSpawner } from '../../wrangler/wrangler-tail';
import { formatLogLine, isLogLevel, shouldColour } from '../../logs/log-line';
import { announcedTailUrl, deleteTailSession, withoutAnnouncements, type TailApi } from '../../tail/tail-cleanup';
import type { LogRecord } from '../../logs/log-record';
import { monitorTargets } from '../../monitor/service-monitor';
import { startTailSessions, type TailEnd, type TailFilters, type TailTarget } from '../../tail/tail-session';
import { UserError } from '../../utils/user-error';
import { findWorkspaceRoot } from '../../utils/workspace-root';
import type { Command } from 'commander';
import { chosenEnv, collectList, defineWorkerSelection, parseCommandLine } from '../options';

export const description = 'Stream the live logs of every deployed Worker of an env, merged, tagged by service, filterable by trace';
export const usage =
  '-c <env> [--projects a,b | --affected [--base <ref>] [--head <ref>]] [--status ok|error|canceled] [--method GET] [--search <text>] [--trace <trace id>] [--level debug|info|warn|error] [--sample <0..1>] [--json]';
export const examples = ['nx-edge tail -c staging', 'nx-edge tail -c production --trace 4bf92f3577b34da6a3ce929d0e0e4736', 'nx-edge tail -c staging --affected --status error --json'];

export interface TailArgs {
  env: string;
  projects?: string[];
  affected?: { base?: string; head?: string };
  filters: TailFilters;
  json: boolean;
}

const STATUSES = ['ok', 'error', 'canceled'];
const STOP_GRACE_MS = 1500;

export function define(command: Command): void {
  defineWorkerSelection(command);
  command
    .option('--affected', 'only the projects Nx counts as affected')
    .option('--base <ref>', 'with --affected: the base commit')
    .option('--head <ref>', 'with --affected: the head commit')
    .option('--status <ok|error|canceled>', 'only requests with this outcome (repeatable, comma-separated)', collectList)
    .option('--method <method>', 'only requests with this HTTP method (repeatable, comma-separated)', collectList)
    .option('--search <text>', 'only log lines containing the text')
    .option('--trace <trace id>', 'only one trace (32 hex digits)')
    .option('--level <level>', 'the lowest level shown: debug, info, warn or error')
    .option('--sample <0..1>', 'the share of requests shown')
    .option('--json', 'one JSON record per line');
}

export function parseTailArgs(args: string[]): TailArgs {
  const { options } = parseCommandLine<{
    configuration?: string; env?: string; projects?: string[]; affected?: boolean; base?: string; head?: string;
    status?: string[]; method?: string[]; search?: string; trace?: string; level?: string; sample?: string; json?: boolean;
  }>('tail', { description, usage, define }, args);
  const out: TailArgs = { env: chosenEnv(options) ?? '', filters: {}, json: options.json ?? false };
  if (options.projects) out.projects = options.projects;
  if (options.affected) out.affected = {};
  for (const status of options.status ?? []) {
    if (!STATUSES.includes(status)) throw new UserError(`--status must be one of ${STATUSES.join(', ')} (got "${status}").`);
    (out.filters.status ??= []).push(status);
  }
  if (options.method?.length) out.filters.method = options.method.map((m) => m.toUpperCase());
  if (options.search !== undefined) out.filters.search = options.search;
  if (options.trace !== undefined) {
    const trace = options.trace.trim().toLowerCase();
    if (!/^[0-9a-f]{32}$/.test(trace)) throw new UserError(`--trace takes a trace id: 32 hex digits, as in trace=… of a log line or a traceparent header (got "${trace}").`);
    out.filters.trace = trace;
  }
  if (options.level !== undefined) {
    const level = options.level.toLowerCase();
    if (!isLogLevel(level)) throw new UserError(`--level must be one of debug, info, warn, error (got "${level}"): the lowest level shown.`);
    out.filters.level = level;
  }
  if (options.sample !== undefined) {
    const rate = Number(options.sample);
    if (!(rate > 0 && rate < 1)) throw new UserError(`--sample is the share of requests to show, between 0 and 1 exclusive (e.g. 0.1 for 10 %).`);
    out.filters.sample = rate;
  }
  if (out.projects && out.affected) throw new UserError('--projects and --affected choose the Workers two ways: give one of them.');
  if ((options.base || options.head) && !out.affected) throw new UserError('--base and --head go with --affected.');
  if (out.affected) out.affected = { base: options.base, head: options.head };
  return out;
}

/** The projects Nx counts as affected (`nx show projects --affected`), with the workspace's own nx. */
function affectedProjects(root: string, range: { base?: string; head?: string }): string[] {
  let nx: string;
  try {
    const manifest = require.resolve('nx/package.json', { paths: [root] });
    nx = join(dirname(manifest), (JSON.parse(readFileSync(manifest, 'utf8')) as { bin: { nx: string } }).bin.nx);
  } catch {
    throw new UserError(`--affected needs the workspace's nx, which ${root} does not have installed (npm install).`);
  }
  const args = [nx, 'show', 'projects', '--affected', '--json', ...(range.base ? ['--base', range.base] : []), ...(range.head ? ['--head', range.head] : [])];
  const shown = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', env: { NX_DAEMON: 'false', ...process.env } });
  if (shown.status !== 0) throw new UserError(`nx show projects --affected failed:\n${stripAnsi(shown.stderr || shown.stdout).trim()}`);
  try {
    return JSON.parse(shown.stdout.trim().split('\n').pop() ?? '[]') as string[];
  } catch {
    throw new UserError(`nx show projects --affected printed no project list:\n${shown.stdout.trim()}`);
  }
}

/** The runtime's JSON log shape (ISO time, level, service, trace and span ids, message, fields) plus the Worker. */
export function tailJson(record: LogRecord, target: TailTarget): string {
  return JSON.stringify({
    time: new Date(record.time).toISOString(),
    level: record.level,
    service: record.service,
    worker: target.worker,
    ...(record.trace_id ? { trace_id: record.trace_id } : {}),
    ...(record.span_id ? { span_id: record.span_id } : {}),
    message: record.message,
    ...record.fields,
  });
}

/** wrangler's reason, in one line, from what it printed besides events. */
function endSummary(end: TailEnd): string {
  const output = withoutAnnouncements(end.output);
  return output.length ? wranglerErrorSummary({ code: end.code ?? 1, stdout: '', stderr: output.join('\n') }).split('\n')[0] : '';
}

/**
 * A wrangler that ended without a clean exit may have left its session open at the API (killed, or a second
 * signal landing while it closed, as on a loaded machine): nx-edge deletes that session itself. Returns
 * the line to print, and whether the session is now closed.
 */
async function closeLeftSession(end: TailEnd, api: TailApi): Promise<{ closed: boolean; line: string }> {
  const who = `${end.target.project} (${end.target.worker})`;
  const url = announcedTailUrl(end.output);
  if (!url) return { closed: false, line: `✘ ${who}: wrangler did not close its tail session cleanly (exit ${end.code ?? 'killed'})${endSummary(end) ? `: ${endSummary(end)}` : ''}; an open session expires by itself within hours` };
  try {
    const outcome = await deleteTailSession(api, end.target.worker, url);
    if (outcome === 'already-closed') return { closed: true, line: `✔ ${who}: wrangler ended (exit ${end.code ?? 'killed'}); the API has no open tail session of it` };
    return { closed: true, line: `✔ ${who}: wrangler ended without closing its tail session (exit ${end.code ?? 'killed'}); nx-edge closed it through the API` };
  } catch (error) {
    return { closed: false, line: `✘ ${who}: wrangler did not close its tail session (exit ${end.code ?? 'killed'}) and nx-edge could not delete it: ${(error as Error).message}; it expires by itself within hours` };
  }
}

export async function run(args: string[], ctx: { cwd: string }): Promise<number> {
  const options = parseTailArgs(args);
  const root = findWorkspaceRoot(ctx.cwd);
  const envName = options.env || 'the top level';
  const projects = options.affected ? affectedProjects(root, options.affected) : options.projects;
  if (options.affected && projects?.length === 0) throw new UserError(`no project is affected (nx show projects --affected): nothing to tail.`);
  const deployed = monitorTargets(readDeploymentRecords(join(root, DEPLOY_HISTORY_RELATIVE_PATH)), options.env, projects);
  const skipped = deployed.filter((t) => t.dispatchNamespace);
  const targets: TailTarget[] = deployed.filter((t) => !t.dispatchNamespace).map((t) => ({ project: t.project, worker: t.worker }));
  for (const t of skipped) process.stderr.write(`– ${t.project} (${t.worker}) lives in dispatch namespace ${t.dispatchNamespace}: wrangler tail cannot follow namespace scripts, skipped\n`);
  if (targets.length === 0) {
    throw new UserError(
      `no deployments of ${envName}${projects ? ` for ${projects.join(', ') || 'the affected projects'}` : ''} recorded in ${DEPLOY_HISTORY_RELATIVE_PATH}: tail follows what nx-edge deployed (nx run-many -t deploy${options.env ? ` -c ${options.env}` : ''}).`,
    );
  }

  const spawnTail = wranglerTailSpawner(root); // resolves the workspace's wrangler now: a missing one fails before any session
  const colour = !options.json && shouldColour();
  const sessions = startTailSessions(targets, {
    filters: options.filters,
    spawnTail: (wranglerArgs) => spawnTail(wranglerArgs),
    onRecord: (record, target) => process.stdout.write(`${options.json ? tailJson(record, target) : formatLogLine(record, { color: colour })}\n`),
    onEarlyEnd: (end) => process.stderr.write(`✘ ${end.target.project} (${end.target.worker}): its tail ended (wrangler exit ${end.code ?? 'signal'})${endSummary(end) ? `: ${endSummary(end)}` : ''}\n`),
  });
  const filters = [
    options.filters.status && `status ${options.filters.status.join('/')}`,
    options.filters.method && `method ${options.filters.method.join('/')}`,
    options.filters.search && `search "${options.filters.search}"`,
    options.filters.trace && `trace ${options.filters.trace}`,
    options.filters.level && `level ${options.filters.level} and above`,
    options.filters.sample && `sampling ${options.filters.sample * 100} %`,
  ].filter(Boolean);
  process.stderr.write(`tailing ${targets.map((t) => `${t.project} (${t.worker})`).join(', ')} in ${envName}${filters.length ? `; only ${filters.join(', ')}` : ''} (Ctrl-C stops)\n`);

  let interrupted = false;
  const stopped = new Promise<TailEnd[]>((resolve) => {
    const stop = () => {
      if (interrupted) return;
      interrupted = true;
      // The terminal's Ctrl-C has reached each wrangler too: give them a moment to close on their own.
      void sessions.stop(STOP_GRACE_MS).then(resolve);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    void sessions.ended.then(resolve);
  });
  const ends = await stopped;
  const api: TailApi = { apiBase: process.env.CLOUDFLARE_API_BASE_URL ?? 'https://api.cloudflare.com/client/v4', accountId: process.env.CLOUDFLARE_ACCOUNT_ID, token: process.env.CLOUDFLARE_API_TOKEN, fetch };
  let closed = ends.filter((e) => !e.early && e.code === 0).length;
  let open = 0;
  // Every wrangler that did not exit cleanly when stopped, and every one that ended on its own (killed,
  // crashed: its launcher may even exit 0) after opening a session.
  for (const e of ends.filter((end) => end.early || end.code !== 0)) {
    if (e.early && !announcedTailUrl(e.output)) continue; // never opened a session; reported when it ended
    const result = await closeLeftSession(e, api);
    process.stderr.write(`${result.line}\n`);
    if (result.closed) closed++;
    else open++;
  }
  if (!interrupted) {
    process.stderr.write(`every tail session ended on its own (see above)\n`);
    return 1;
  }
  process.stderr.write(`closed ${closed} tail session${closed === 1 ? '' : 's'}${open ? `; ${open} left open` : ''}\n`);
  return open ? 1 : 0;
}
